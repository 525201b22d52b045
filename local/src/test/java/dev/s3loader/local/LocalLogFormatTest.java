package dev.s3loader.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3loader.loader.TransientLoadException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

/**
 * A database outage in local mode: each retry is logged as one line that names the cause, the stack
 * trace only with --verbose. The exception is PostgreSQL's driver's own, from a real refused connection.
 */
class LocalLogFormatTest {
    private static LogRecord retryDuringOutage() throws IOException {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        SQLException refused;
        try {
            DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + closed + "/postgres?connectTimeout=5", "postgres", "x").close();
            throw new AssertionError("nothing listens on " + closed);
        } catch (SQLException e) {
            refused = e;
        }
        // As the postgres destination reports an outage, and as BatchProcessor logs it.
        TransientLoadException e = new TransientLoadException("database unavailable: " + refused.getMessage(), refused);
        LogRecord r = new LogRecord(Level.WARNING, "destination unavailable; batch {0} goes back to the queue");
        r.setParameters(new Object[] {"b-1"});
        r.setLoggerName("dev.s3loader.loader.BatchProcessor");
        r.setThrown(e);
        return r;
    }

    @Test
    void retryDuringADatabaseOutage_isOneLineNamingTheCause() throws Exception {
        LogRecord r = retryDuringOutage();

        String line = new LocalLogFormat(false).format(r);

        assertThat(line.lines()).hasSize(1);
        assertThat(line).contains("WARNING BatchProcessor: destination unavailable; batch b-1 goes back to the queue: "
                + "database unavailable: Connection to 127.0.0.1:").contains("refused");
        assertThat(line).doesNotContain("\tat ");
    }

    @Test
    void verbose_addsTheStackTrace() throws Exception {
        String text = new LocalLogFormat(true).format(retryDuringOutage());

        assertThat(text.lines().count()).isGreaterThan(5);
        assertThat(text).contains("org.postgresql.util.PSQLException", "\tat ");
    }
}
