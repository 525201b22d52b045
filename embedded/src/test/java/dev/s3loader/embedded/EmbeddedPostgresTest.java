package dev.s3loader.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringReader;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.PGConnection;

class EmbeddedPostgresTest {

    @Test
    void shared_copyFromStdin_rowsCommitted() throws Exception {
        // Arrange
        EmbeddedPostgres pg = SharedServers.postgres();
        String url = pg.createDatabase("embedded_postgres_test");

        try (Connection c = DriverManager.getConnection(url, pg.user(), pg.password());
             Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t (id int, name text)");
            c.setAutoCommit(false);

            // Act
            long copied = c.unwrap(PGConnection.class).getCopyAPI()
                    .copyIn("COPY t FROM STDIN (FORMAT csv)", new StringReader("1,a\n2,\"b, c\"\n"));
            c.commit();

            // Assert
            assertThat(copied).isEqualTo(2);
            try (ResultSet rs = s.executeQuery("SELECT string_agg(name, '|' ORDER BY id) FROM t")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("a|b, c");
            }
        }
        assertThat(pg.createDatabase("embedded_postgres_test")).isEqualTo(url);
        assertThat(pg.jdbcUrl()).isEqualTo("jdbc:postgresql://127.0.0.1:" + pg.port() + "/postgres");
        try (Connection c = pg.dataSource().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT inet_server_addr()::text, current_user")) {
            rs.next();
            assertThat(rs.getString(1)).startsWith("127.0.0.1");
            assertThat(rs.getString(2)).isEqualTo("postgres");
        }
    }

    @Test
    void persistent_restartOnSameDirectory_keepsData(@TempDir Path dir) throws Exception {
        // Arrange
        Path data = dir.resolve("pgdata");
        try (EmbeddedPostgres first = EmbeddedPostgres.persistent(data, 0);
             Connection c = first.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE kept (v text)");
            s.execute("INSERT INTO kept VALUES ('survives')");
        }

        // Act
        try (EmbeddedPostgres second = EmbeddedPostgres.persistent(data, 0);
             Connection c = second.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT v FROM kept")) {

            // Assert
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("survives");
        }
    }

    @Test
    void persistent_killedRightAfterItsCommits_keepsEveryCommittedRow(@TempDir Path dir) throws Exception {
        // Arrange: a local-mode server that acknowledged 500 commits, one row each.
        Path data = dir.resolve("pgdata");
        EmbeddedPostgres crashed = EmbeddedPostgres.persistent(data, 0);
        try (Connection c = crashed.connect(); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SHOW synchronous_commit")) {
                rs.next();
                assertThat(rs.getString(1)).as("a commit is acknowledged only once it is on disk").isEqualTo("on");
            }
            s.execute("CREATE TABLE committed (v int)");
            for (int i = 0; i < 500; i++) {
                s.execute("INSERT INTO committed VALUES (" + i + ")");
            }
        }

        // Act: the server dies at once, as in a power cut or a kill -9 of the local runtime (its process group).
        long postmaster = Long.parseLong(java.nio.file.Files.readAllLines(data.resolve("postmaster.pid")).getFirst().trim());
        new ProcessBuilder("kill", "-9", "--", "-" + postmaster).inheritIO().start().waitFor();
        while (ProcessHandle.of(postmaster).map(ProcessHandle::isAlive).orElse(false)) {
            Thread.onSpinWait();
        }
        try {
            crashed.close(); // only releases the data directory's lock, which a dead JVM would have released
        } catch (RuntimeException e) {
            // pg_ctl stop finds no server: expected after the kill
        }

        // Assert: every acknowledged commit survives the restart (the loader moves a file once its load is committed).
        try (EmbeddedPostgres again = EmbeddedPostgres.persistent(data, 0);
             Connection c = again.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM committed")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(500);
        }
    }
}
