package dev.s3loader.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A real PostgreSQL server (Zonky's binaries from Maven Central, PostgreSQL 14) on 127.0.0.1,
 * run as a child process of this JVM. No system PostgreSQL package is used.
 *
 * <p>Requirements: Linux x86_64 (or macOS x86_64) and a writable {@code java.io.tmpdir} (the
 * binaries are unpacked once to {@code java.io.tmpdir/embedded-pg}). PostgreSQL refuses to run as
 * root; Zonky then starts {@code initdb}, {@code pg_ctl} and {@code postgres} through
 * {@code unshare -U}: in a new user namespace without a uid mapping the process is "nobody" to
 * itself, which PostgreSQL accepts, while the kernel still checks files against the real uid, so
 * the data directory stays owned by root. That needs {@code unshare} (util-linux, present on
 * Debian) and user namespaces enabled, which {@link #requireRunnable()} checks up front. As any
 * other user nothing extra is needed.
 *
 * <p>Authentication is {@code trust} on loopback: {@link #user()} must exist, the password is
 * accepted but not checked. The server is stopped by {@link #close()} and, failing that, by a
 * shutdown hook; a JVM killed with SIGKILL leaves it running (stop it with
 * {@code pg_ctl -D <data dir> stop}).
 */
public final class EmbeddedPostgres implements AutoCloseable {
    public static final String USER = "postgres";
    /** Sent by clients, not checked (trust authentication on loopback). */
    public static final String PASSWORD = "postgres";
    public static final String DATABASE = "postgres";

    private static final Pattern DATABASE_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    private final io.zonky.test.db.postgres.embedded.EmbeddedPostgres postgres;
    private final int port;

    private EmbeddedPostgres(Path dataDirectory, boolean temporary, int port) {
        this(dataDirectory, temporary, port, b -> { });
    }

    private EmbeddedPostgres(Path dataDirectory, boolean temporary, int port,
                             java.util.function.Consumer<io.zonky.test.db.postgres.embedded.EmbeddedPostgres.Builder> more) {
        requireRunnable();
        this.port = FreePort.orPick(port);
        var builder = io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder()
                .setPort(this.port)
                .setPGStartupWait(Duration.ofSeconds(60))
                .setServerConfig("listen_addresses", "127.0.0.1")
                // Zonky's default is off: a commit is acknowledged before it is on disk, and a crash
                // loses it after the loader has moved its file to processed/ (rows lost in local mode).
                .setServerConfig("synchronous_commit", "on")
                .setLocaleConfig("locale", "C")
                .setDataDirectory(dataDirectory)
                .setCleanDataDirectory(temporary);
        if (temporary) {
            // Durability is pointless for a throw-away test database and costs time.
            builder.setServerConfig("fsync", "off").setServerConfig("full_page_writes", "off");
        }
        more.accept(builder);
        try {
            this.postgres = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start PostgreSQL on 127.0.0.1:" + this.port
                    + " with data directory " + dataDirectory, e);
        }
    }

    /** A server with a fresh data directory, deleted on close, on a free port. */
    public static EmbeddedPostgres start() {
        try {
            return new EmbeddedPostgres(Files.createTempDirectory("s3loader-pg"), true, 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A throw-away server (as {@link #start()}) that also speaks TLS with the given PEM certificate
     * and key, and authenticates by the given {@code pg_hba.conf} text instead of trusting every
     * login: for tests of server verification and of password logins. {@link #user()} must keep
     * a {@code trust} line for 127.0.0.1, which the start-up check and {@link #createDatabase} use.
     */
    public static EmbeddedPostgres startWithTls(Path certificatePem, Path keyPem, String pgHba) {
        try {
            Path data = Files.createTempDirectory("s3loader-pg-tls");
            return new EmbeddedPostgres(data, true, 0, b -> b
                    .setServerConfig("ssl", "on")
                    .setServerConfig("ssl_cert_file", "server.crt")
                    .setServerConfig("ssl_key_file", "server.key")
                    .setServerConfig("password_encryption", "scram-sha-256")
                    .setDataDirectoryCustomizer(dir -> {
                        try {
                            Path d = dir.toPath();
                            Files.copy(certificatePem, d.resolve("server.crt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                            Path key = Files.copy(keyPem, d.resolve("server.key"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                            // PostgreSQL refuses a private key that others may read.
                            Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
                            Files.writeString(d.resolve("pg_hba.conf"), pgHba);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A server whose data lives in {@code dataDirectory} (initialised on first use, kept on close)
     * on the given port (0 = any free port): local mode, where data must survive a restart.
     */
    public static EmbeddedPostgres persistent(Path dataDirectory, int port) {
        Objects.requireNonNull(dataDirectory, "dataDirectory");
        try {
            Files.createDirectories(dataDirectory);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new EmbeddedPostgres(dataDirectory.toAbsolutePath(), false, port);
    }

    /**
     * Fails with the reason when PostgreSQL cannot start here: run as root where
     * {@code unshare -U} does not work (no util-linux, or user namespaces disabled, e.g. by a
     * container's seccomp profile). Without this check Zonky would run {@code initdb} as root and
     * fail with a bare "Process [...] failed".
     */
    static void requireRunnable() {
        if (!runningAsRoot()) {
            return;
        }
        String problem;
        try {
            Process probe = new ProcessBuilder("unshare", "-U", "true").redirectErrorStream(true).start();
            boolean exited = probe.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            String output = new String(probe.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (exited && probe.exitValue() == 0) {
                return;
            }
            probe.destroyForcibly();
            problem = "`unshare -U true` failed: " + output.trim();
        } catch (IOException e) {
            problem = "`unshare` (util-linux) cannot be run: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            problem = "interrupted while probing `unshare -U`";
        }
        throw new IllegalStateException("PostgreSQL refuses to run as root and " + problem
                + ". Run as a non-root user, or enable user namespaces (sysctl user.max_user_namespaces > 0; "
                + "in a container, a seccomp profile that allows unshare(CLONE_NEWUSER)).");
    }

    private static boolean runningAsRoot() {
        try {
            return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false; // not Linux
        }
    }

    /** {@code jdbc:postgresql://127.0.0.1:PORT/postgres}. */
    public String jdbcUrl() {
        return jdbcUrl(DATABASE);
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    public String user() {
        return USER;
    }

    public String password() {
        return PASSWORD;
    }

    public int port() {
        return port;
    }

    /** A data source for the {@code postgres} database. */
    public DataSource dataSource() {
        return dataSource(DATABASE);
    }

    public DataSource dataSource(String database) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setServerNames(new String[] {"127.0.0.1"});
        ds.setPortNumbers(new int[] {port});
        ds.setDatabaseName(database);
        ds.setUser(USER);
        ds.setPassword(PASSWORD);
        return ds;
    }

    /** A new connection to the {@code postgres} database; the caller closes it. */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), USER, PASSWORD);
    }

    /**
     * Creates a database unless it exists and returns its JDBC URL, so that test classes sharing
     * one server can each have their own. Names are plain lower-case identifiers.
     */
    public String createDatabase(String name) {
        if (!DATABASE_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not a plain lower-case database name: " + name);
        }
        try (Connection c = connect()) {
            try (PreparedStatement exists = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
                exists.setString(1, name);
                try (ResultSet rs = exists.executeQuery()) {
                    if (rs.next()) {
                        return jdbcUrl(name);
                    }
                }
            }
            try (Statement create = c.createStatement()) {
                create.execute("CREATE DATABASE " + name);
            } catch (SQLException e) {
                if (!"42P04".equals(e.getSQLState())) { // duplicate_database: a concurrent creator won
                    throw e;
                }
            }
            return jdbcUrl(name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + name, e);
        }
    }

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return "EmbeddedPostgres[" + jdbcUrl() + "]";
    }
}
