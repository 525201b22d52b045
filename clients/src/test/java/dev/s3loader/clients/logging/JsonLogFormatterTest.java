package dev.s3loader.clients.logging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

class JsonLogFormatterTest {
    private final JsonLogFormatter formatter = new JsonLogFormatter();

    private static LogRecord record(Level level, String message, Object... params) {
        LogRecord r = new LogRecord(level, message);
        r.setLoggerName("dev.s3loader.Test");
        r.setInstant(Instant.parse("2026-01-02T03:04:05.678Z"));
        if (params.length > 0) {
            r.setParameters(params);
        }
        return r;
    }

    @Test
    void format_plainRecord_isOneLineWithTimestampLevelLoggerMessage() {
        String line = formatter.format(record(Level.WARNING, "two\nlines"));

        assertThat(line).isEqualTo("{\"timestamp\":\"2026-01-02T03:04:05.678Z\",\"level\":\"WARN\","
                + "\"logger\":\"dev.s3loader.Test\",\"message\":\"two\\nlines\"}\n");
    }

    @Test
    void format_fieldsAndAThrowable_areTopLevelFieldsAndAnEscapedTrace_onOneLine() {
        LogRecord r = record(Level.SEVERE, "key {0} with \"quotes\"", LogFields.of("key", "incoming/a \u0001b\u2028.csv",
                "attempt", 2, "passComplete", true, "nan", Double.NaN, "absent", null));
        r.setThrown(new IllegalStateException("boom\nsecond line"));

        String line = formatter.format(r);

        assertThat(line).endsWith("}\n").doesNotContain("\u2028");
        assertThat(line.strip()).doesNotContain("\n");
        assertThat(line).contains("\"level\":\"ERROR\"", "\"message\":\"key {0} with \\\"quotes\\\"\"",
                "\"key\":\"incoming/a \\u0001b\\u2028.csv\"", "\"attempt\":2", "\"passComplete\":true", "\"nan\":\"NaN\"",
                "\"error\":\"java.lang.IllegalStateException: boom\\nsecond line\\n\\tat ")
                .doesNotContain("absent");
    }

    @Test
    void level_namesAreLambdas() {
        assertThat(Map.of(Level.SEVERE, "ERROR", Level.WARNING, "WARN", Level.INFO, "INFO", Level.CONFIG, "DEBUG",
                Level.FINE, "DEBUG", Level.FINEST, "TRACE")).allSatisfy((jul, lambda) ->
                assertThat(JsonLogFormatter.level(jul)).isEqualTo(lambda));
        assertThat(JsonLogs.level("debug")).isEqualTo(Level.FINE);
        assertThat(JsonLogs.level("WARN")).isEqualTo(Level.WARNING);
        assertThat(JsonLogs.level(null)).isEqualTo(Level.INFO);
    }

    @Test
    void install_writesEachRecordAsOneLineToTheStreamOfTheMoment_andSkipsWhatTheLevelDrops() throws Exception {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        PrintStream stream = new PrintStream(buffer, true, StandardCharsets.UTF_8);
        LogManager.getLogManager().readConfiguration(); // the JDK's default: one console handler
        try {
            JsonLogs.install(Map.of("AWS_LAMBDA_LOG_LEVEL", "WARN"), () -> stream);
            JsonLogs.install(Map.of(), () -> System.out); // a second install changes nothing
            Logger log = Logger.getLogger("dev.s3loader.JsonLogsTest");

            log.info("dropped at WARN");
            JsonLogs.event(log, Level.WARNING, "kept", LogFields.of("outcome", "failed"));

            assertThat(buffer.toString(StandardCharsets.UTF_8)).hasLineCount(1)
                    .contains("\"message\":\"kept\",\"outcome\":\"failed\"").doesNotContain("dropped");
        } finally {
            LogManager.getLogManager().readConfiguration();
        }
    }
}
