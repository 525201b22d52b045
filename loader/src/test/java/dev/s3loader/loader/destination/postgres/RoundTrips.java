package dev.s3loader.loader.destination.postgres;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Counts the round trips one thread makes to PostgreSQL, as pgjdbc itself logs them: each wait
 * for the server ends in a ReadyForQuery, or a CopyInResponse when a COPY starts. Counting the
 * driver's own protocol log needs no proxy and no server extension (pg_stat_statements is not
 * loaded on the embedded server), and counts exactly what a slow network would make you pay for.
 */
final class RoundTrips implements AutoCloseable {
    private static final Logger PROTOCOL = Logger.getLogger("org.postgresql.core.v3.QueryExecutorImpl");
    private final long thread = Thread.currentThread().threadId();
    private final AtomicInteger count = new AtomicInteger();
    private final Level before = PROTOCOL.getLevel();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord r) {
            String m = r.getMessage();
            if (r.getLongThreadID() == thread && m != null
                    && (m.startsWith(" <=BE ReadyForQuery") || m.startsWith(" <=BE CopyInResponse"))) {
                count.incrementAndGet();
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    /** Starts counting the calling thread's round trips. */
    RoundTrips() {
        handler.setLevel(Level.ALL);
        PROTOCOL.setLevel(Level.FINEST);
        PROTOCOL.addHandler(handler);
    }

    int count() {
        return count.get();
    }

    @Override
    public void close() {
        PROTOCOL.removeHandler(handler);
        PROTOCOL.setLevel(before);
    }
}
