package dev.s3loader.loader.destination.postgres;

import dev.s3loader.loader.LoaderException;
import dev.s3loader.loader.TransientLoadException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Properties;
import java.util.concurrent.Semaphore;
import java.util.logging.Logger;

/**
 * At most {@code size} connections, and so at most {@code size} loads at once from this process
 * (MAX_CONCURRENCY). Idle connections are kept for the next batch and checked before reuse; a
 * connection that saw a failure is closed, never handed out again.
 */
final class ConnectionPool implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ConnectionPool.class.getName());
    private final PostgresCredentials credentials;
    private final Duration connectTimeout;
    private final Duration socketTimeout;
    private final Semaphore permits;
    private final Deque<Connection> idle = new ArrayDeque<>();

    ConnectionPool(PostgresCredentials credentials, int size, Duration connectTimeout, Duration socketTimeout) {
        this.credentials = credentials;
        this.connectTimeout = connectTimeout;
        this.socketTimeout = socketTimeout;
        this.permits = new Semaphore(size, true);
    }

    /** Waits for a free slot, then returns a live connection in it; throws {@link TransientLoadException} if none can be opened. */
    Lease acquire() {
        try {
            permits.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LoaderException("interrupted while waiting for a database slot", e);
        }
        try {
            return new Lease(reuseOrOpen());
        } catch (RuntimeException e) {
            permits.release();
            throw e;
        }
    }

    private Connection reuseOrOpen() {
        Connection c;
        while ((c = poll()) != null) {
            try {
                if (c.isValid(2)) {
                    return c;
                }
            } catch (SQLException e) {
                // fall through: closed below
            }
            closeQuietly(c);
        }
        return open();
    }

    private synchronized Connection poll() {
        return idle.pollFirst();
    }

    private synchronized void giveBack(Connection c) {
        idle.addFirst(c);
    }

    Connection open() {
        PostgresCredentials.Resolved r = credentials.current();
        Properties p = new Properties();
        r.user().ifPresent(u -> p.setProperty("user", u));
        r.password().ifPresent(pw -> p.setProperty("password", pw));
        p.setProperty("connectTimeout", Long.toString(connectTimeout.toSeconds()));
        p.setProperty("loginTimeout", Long.toString(connectTimeout.toSeconds()));
        // A statement (COPY, COMMIT) that gets no answer for this long is abandoned; the ledger settles what happened.
        p.setProperty("socketTimeout", Long.toString(socketTimeout.toSeconds()));
        p.setProperty("tcpKeepAlive", "true");
        p.setProperty("ApplicationName", "s3loader");
        try {
            return DriverManager.getConnection(r.url(), p);
        } catch (SQLException e) {
            if (PgErrors.authentication(e)) {
                credentials.invalidate();
            }
            throw new TransientLoadException("cannot connect to PostgreSQL at " + r.url() + ": " + PgErrors.describe(e), e);
        }
    }

    @Override
    public synchronized void close() {
        idle.forEach(ConnectionPool::closeQuietly);
        idle.clear();
    }

    static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException e) {
            LOG.fine("closing a connection: " + e.getMessage());
        }
    }

    /** One slot and its connection; {@link #broken()} makes close discard the connection. */
    final class Lease implements AutoCloseable {
        private Connection connection;
        private boolean broken;

        private Lease(Connection connection) {
            this.connection = connection;
        }

        Connection connection() {
            return connection;
        }

        void broken() {
            broken = true;
        }

        /** Replaces a broken connection with a new one in the same slot (to read the ledger after a lost COMMIT). */
        Connection reconnect() {
            closeQuietly(connection);
            connection = open();
            broken = false;
            return connection;
        }

        @Override
        public void close() {
            try {
                if (broken) {
                    closeQuietly(connection);
                } else {
                    giveBack(connection);
                }
            } finally {
                permits.release();
            }
        }
    }
}
