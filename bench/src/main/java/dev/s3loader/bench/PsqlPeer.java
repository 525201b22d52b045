package dev.s3loader.bench;

import dev.s3loader.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

/**
 * {@code psql \copy} of the very files the pipeline loaded (regenerated from their index onto local
 * disk), one session, into a twin of the pipeline's table: the database's own bulk-load speed.
 */
final class PsqlPeer {
    static final String MISSING = "psql not found: install Debian's client ('apt-get install postgresql-client') or point"
            + " PSQL at the binary; its figures are left out";
    private final String binary;
    private final EmbeddedPostgres postgres;

    PsqlPeer(String binary, EmbeddedPostgres postgres) {
        this.binary = binary;
        this.postgres = postgres;
    }

    static Optional<String> version(String binary) {
        try {
            Process p = new ProcessBuilder(binary, "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return p.waitFor() == 0 ? Optional.of(out) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    record Result(double seconds, long rows) {
    }

    Result load(SeedFiles files, Path dir, String table) {
        String twin = table + "_psql";
        sql("DROP TABLE IF EXISTS " + twin + "; CREATE TABLE " + twin + " (LIKE " + table + " INCLUDING ALL)");
        Path script = dir.resolve("load.psql");
        try {
            Files.createDirectories(dir);
            // The files are written before the clock starts: the peer is timed on loading, as the pipeline's copy is.
            try (var w = Files.newBufferedWriter(script, StandardCharsets.UTF_8)) {
                for (int i = 0; i < files.count(); i++) {
                    Path f = dir.resolve("f" + i + ".csv");
                    Files.write(f, files.content(i));
                    w.write("\\copy " + twin + " (id, name, amount, note) FROM '" + f.toAbsolutePath()
                            + "' WITH (FORMAT csv, HEADER true)\n");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the psql peer's files under " + dir, e);
        }
        ProcessBuilder pb = new ProcessBuilder(binary, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                "-p", Integer.toString(postgres.port()), "-U", postgres.user(), "-d", EmbeddedPostgres.DATABASE,
                "-f", script.toString()).redirectErrorStream(true);
        pb.environment().put("PGPASSWORD", postgres.password());
        pb.environment().put("PGSSLMODE", "disable");
        long start = System.nanoTime();
        try {
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IllegalStateException("psql failed: " + out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + binary, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while psql ran", e);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Result(seconds, count(twin));
    }

    long count(String table) {
        try (Connection c = postgres.connect(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT count(*) FROM " + table)) {
            r.next();
            return r.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot count " + table + ": " + e.getMessage(), e);
        }
    }

    private void sql(String statement) {
        try (Connection c = postgres.connect(); Statement s = c.createStatement()) {
            s.execute(statement);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot prepare " + statement + ": " + e.getMessage(), e);
        }
    }
}
