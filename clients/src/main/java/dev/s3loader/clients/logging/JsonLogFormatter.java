package dev.s3loader.clients.logging;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;

/**
 * One JSON object per line: {@code timestamp} (RFC 3339, UTC), {@code level} (Lambda's names:
 * TRACE, DEBUG, INFO, WARN, ERROR), {@code logger}, {@code message}, the record's
 * {@link LogFields}, and {@code error} with the stack trace. A newline inside a message or a
 * trace is escaped, so a record is always one line, one CloudWatch log event; the names
 * {@code timestamp} and {@code level} are the ones Lambda reads for its log-level filtering.
 */
public final class JsonLogFormatter extends Formatter {
    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    @Override
    public String format(LogRecord record) {
        StringBuilder b = new StringBuilder(256);
        b.append('{');
        field(b, "timestamp", TIMESTAMP.format(record.getInstant()));
        field(b, "level", level(record.getLevel()));
        field(b, "logger", record.getLoggerName());
        LogFields fields = fields(record);
        // Structured records are written as given: a message naming a key may hold braces MessageFormat would eat.
        field(b, "message", fields != null ? record.getMessage() : formatMessage(record));
        if (fields != null) {
            for (Map.Entry<String, Object> e : fields.asMap().entrySet()) {
                field(b, e.getKey(), e.getValue());
            }
        }
        if (record.getThrown() != null) {
            field(b, "error", trace(record.getThrown()));
        }
        b.setLength(b.length() - 1);
        return b.append("}\n").toString();
    }

    /** One line of the same shape for what is printed without a logger (shutdown hooks run after logging closes). */
    public static String line(Level level, String logger, String message, LogFields fields) {
        LogRecord r = new LogRecord(level, message);
        r.setLoggerName(logger);
        r.setInstant(Instant.now());
        if (fields != null) {
            r.setParameters(new Object[] {fields});
        }
        return new JsonLogFormatter().format(r);
    }

    /** Lambda's level names (ApplicationLogLevel); JUL's SEVERE and WARNING mean ERROR and WARN. */
    static String level(Level level) {
        int v = level.intValue();
        if (v >= Level.SEVERE.intValue()) {
            return "ERROR";
        }
        if (v >= Level.WARNING.intValue()) {
            return "WARN";
        }
        if (v >= Level.INFO.intValue()) {
            return "INFO";
        }
        if (v >= Level.FINE.intValue()) {
            return "DEBUG";
        }
        return "TRACE";
    }

    private static LogFields fields(LogRecord record) {
        Object[] p = record.getParameters();
        return p != null && p.length == 1 && p[0] instanceof LogFields f ? f : null;
    }

    private static String trace(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        return w.toString().stripTrailing();
    }

    private static void field(StringBuilder b, String name, Object value) {
        if (value == null) {
            return;
        }
        quote(b, name);
        b.append(':');
        if (value instanceof Boolean || value instanceof Number n && Double.isFinite(n.doubleValue())) {
            b.append(value);
        } else {
            quote(b, value.toString());
        }
        b.append(',');
    }

    static void quote(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    // Every other control character, and the two line separators some readers split on.
                    if (c < 0x20 || c == '\u2028' || c == '\u2029' || c == 0x7f) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
