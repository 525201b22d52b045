package dev.s3loader.clients.logging;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The structured fields of one log line, in the order given: carried as the record's single
 * parameter and written by {@link JsonLogFormatter} as top-level JSON fields beside timestamp,
 * level, logger and message, so a Logs Insights query reads them by name. Values are strings,
 * numbers or booleans; a null value leaves its field out.
 */
public final class LogFields {
    private final Map<String, Object> fields = new LinkedHashMap<>();

    private LogFields() {
    }

    /** Fields from name/value pairs: {@code of("key", k, "attempt", 2)}. */
    public static LogFields of(Object... namesAndValues) {
        if (namesAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("log fields come in name/value pairs");
        }
        LogFields f = new LogFields();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            f.with((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        return f;
    }

    public LogFields with(String name, Object value) {
        if (value != null) {
            fields.put(name, value);
        }
        return this;
    }

    public Map<String, Object> asMap() {
        return Collections.unmodifiableMap(fields);
    }
}
