package dev.s3loader.loader.destination.refined;

import java.util.LinkedHashMap;
import java.util.Map;

/** A row that can never become a Parquet row as configured: the file goes to failed/ with this reason. */
final class BadRowException extends Exception {
    private final Map<String, String> detail;

    BadRowException(String reason, Map<String, String> detail) {
        super(reason, null, false, false);
        this.detail = Map.copyOf(new LinkedHashMap<>(detail));
    }

    Map<String, String> detail() {
        return detail;
    }
}
