package dev.s3loader.loader.destination.redshift;

import java.util.regex.Pattern;

/** Reads Redshift's error texts, which are all a failed statement reports. */
final class RedshiftErrors {
    /** COPY's data errors point at the system tables; everything else about a COPY is not the file's content. */
    private static final Pattern LOAD_ERROR = Pattern.compile(
            "(?i)load into table .* failed|stl_load_errors|sys_load_error_detail");
    private static final Pattern TRANSIENT = Pattern.compile(
            "(?i)serializable isolation|connection|timed? ?out|terminat|unavailable|try again|too many|"
                    + "out of memory|resuming|paused|throttl|rate exceeded|could not connect|is not available");

    /** Error 1023: the transaction could not be serialized with a concurrent one; Redshift advises a retry. */
    private static final Pattern SERIALIZATION = Pattern.compile("(?i)serializable isolation|\\b1023\\b.*isolation");

    private RedshiftErrors() {
    }

    static boolean serializationConflict(String error) {
        return error != null && SERIALIZATION.matcher(error).find();
    }

    static boolean loadError(String error) {
        return error != null && LOAD_ERROR.matcher(error).find();
    }

    static boolean transientFailure(String error) {
        return error != null && TRANSIENT.matcher(error).find();
    }
}
