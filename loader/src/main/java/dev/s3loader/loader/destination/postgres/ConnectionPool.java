package dev.s3loader.loader.destination.postgres;

import dev.s3loader.loader.LoaderException;
import dev.s3loader.loader.TransientLoadException;
import dev.s3loader.model.PostgresConnection;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * At most {@code size} connections, and so at most {@code size} loads at once from this process
 * (MAX_CONCURRENCY). Idle connections are kept for the next batch and checked before reuse; a
 * connection that saw a failure is closed, never handed out again.
 */
final class ConnectionPool implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ConnectionPool.class.getName());
    private final PostgresCredentials credentials;
    private final PostgresConnection ssl;
    private final Duration connectTimeout;
    private final Duration socketTimeout;
    private final Semaphore permits;
    private final Deque<Connection> idle = new ArrayDeque<>();
    /** Beyond the deadline, for the COMMIT's answer to arrive; the ledger settles a COMMIT cut off after it. */
    private static final Duration SOCKET_SLACK = Duration.ofSeconds(5);

    ConnectionPool(PostgresCredentials credentials, PostgresConnection ssl, int size, Duration connectTimeout,
                   Duration socketTimeout) {
        this.credentials = credentials;
        this.ssl = ssl;
        this.connectTimeout = connectTimeout;
        this.socketTimeout = socketTimeout;
        this.permits = new Semaphore(size, true);
    }

    /**
     * Waits for a free slot until the budget's deadline, then returns a live connection in it;
     * empty when no slot came free in time; throws {@link TransientLoadException} if no connection
     * can be opened. The connection's socket timeout ends with the deadline too (or after the
     * load timeout, whichever comes first), so a silent server cannot hold the batch past it.
     */
    Optional<Lease> acquire(LoadBudget budget) {
        try {
            if (budget.unlimited()) {
                permits.acquire();
            } else if (!permits.tryAcquire(budget.totalLeft().toMillis(), TimeUnit.MILLISECONDS)) {
                return Optional.empty();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LoaderException("interrupted while waiting for a database slot", e);
        }
        try {
            Connection c = reuseOrOpen(budget);
            try {
                c.setNetworkTimeout(Runnable::run, (int) Math.min(Integer.MAX_VALUE,
                        budget.cap(socketTimeout).plus(SOCKET_SLACK).toMillis()));
            } catch (SQLException e) {
                closeQuietly(c);
                throw new TransientLoadException("cannot set the connection's timeout: " + PgErrors.describe(e), e);
            }
            return Optional.of(new Lease(c));
        } catch (RuntimeException e) {
            permits.release();
            throw e;
        }
    }

    private Connection reuseOrOpen(LoadBudget budget) {
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
        return open(budget);
    }

    private synchronized Connection poll() {
        return idle.pollFirst();
    }

    private synchronized void giveBack(Connection c) {
        idle.addFirst(c);
    }

    /**
     * Opens a connection. A refused login with credentials from a secret reads the secret again
     * and tries once more at once: after a rotation the stored password is stale, not wrong.
     */
    Connection open(LoadBudget budget) {
        try {
            return open(credentials.current(), budget);
        } catch (SQLException e) {
            if (PgErrors.authentication(e) && credentials.invalidate()) {
                LOG.info("PostgreSQL refused the login (" + PgErrors.describe(e) + "); reading the secret again");
                try {
                    return open(credentials.current(), budget);
                } catch (SQLException again) {
                    if (PgErrors.authentication(again)) {
                        credentials.invalidate();
                    }
                    throw cannotConnect(again);
                }
            }
            throw cannotConnect(e);
        }
    }

    private TransientLoadException cannotConnect(SQLException e) {
        // The server as host/port/db only: the URL's options and the credentials never reach a message.
        return new TransientLoadException("cannot connect to PostgreSQL at " + credentials.server() + ": "
                + PgErrors.describe(e), e);
    }

    private Connection open(PostgresCredentials.Resolved r, LoadBudget budget) throws SQLException {
        Properties p = new Properties();
        r.user().ifPresent(u -> p.setProperty("user", u));
        r.password().ifPresent(pw -> p.setProperty("password", pw));
        // pgjdbc counts these in whole seconds; 0 would mean no limit at all.
        String connect = Long.toString(Math.max(1, budget.cap(connectTimeout).toSeconds()));
        p.setProperty("connectTimeout", connect);
        p.setProperty("loginTimeout", connect);
        // A statement (COPY, COMMIT) that gets no answer for this long is abandoned; the ledger settles what happened.
        p.setProperty("socketTimeout", Long.toString(socketTimeout.toSeconds()));
        p.setProperty("tcpKeepAlive", "true");
        p.setProperty("sslmode", ssl.sslMode().setting());
        ssl.sslRootCert().ifPresent(ca -> p.setProperty("sslrootcert", ca.toString()));
        p.setProperty("ApplicationName", "s3loader");
        // An exception's message leaves out the server's Detail and Where, which quote rows ("Failing row
        // contains …", "COPY t, line 5: …"): exceptions end up in log lines, file content must not. The
        // rejection's error report still reads them from the ServerErrorMessage (PgErrors.detail).
        p.setProperty("logServerErrorDetail", "false");
        return DriverManager.getConnection(r.url(), p);
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
        Connection reconnect(LoadBudget budget) {
            closeQuietly(connection);
            connection = open(budget);
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
