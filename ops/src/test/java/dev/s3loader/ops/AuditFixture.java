package dev.s3loader.ops;

import dev.s3loader.embedded.EmbeddedPostgres;
import dev.s3loader.embedded.EmbeddedS3;
import dev.s3loader.embedded.SharedServers;
import dev.s3loader.model.ErrorReport;
import dev.s3loader.model.Layout;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A bucket of its own on the JVM's embedded S3 and a ledger table of its own in the embedded
 * PostgreSQL, with helpers that put files where the pipeline would, and a way to run the real
 * command line against them.
 */
final class AuditFixture implements AutoCloseable {
    static final Layout LAYOUT = Layout.defaults();

    final EmbeddedS3 server = SharedServers.s3();
    final S3Client s3 = server.newClient();
    final String bucket = "audit-" + UUID.randomUUID().toString().substring(0, 12);
    final String ledger = "ledger_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);

    AuditFixture() {
        server.createBucket(bucket);
    }

    /** The ledger as the postgres destination creates it (PostgresSql.createLedger); withPrimaryKey false stands for Redshift, which enforces none. */
    AuditFixture withLedger(boolean withPrimaryKey) {
        sql("CREATE TABLE " + ledger + " (\"key\" text NOT NULL, \"etag\" text NOT NULL, \"size\" bigint NOT NULL, "
                + "\"batch_id\" text NOT NULL, \"row_count\" bigint, \"loaded_at\" timestamptz NOT NULL DEFAULT now()"
                + (withPrimaryKey ? ", PRIMARY KEY (\"key\", \"etag\"))" : ")"));
        return this;
    }

    String put(String key, String content) {
        return s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromString(content, StandardCharsets.UTF_8)).eTag();
    }

    /** A file the pipeline loaded: in processed/ with its ledger row. */
    void processed(String relative, String content) {
        String etag = put(LAYOUT.processed() + relative, content);
        ledgerRow(LAYOUT.incoming() + relative, etag);
    }

    /** A file the pipeline gave up on: in failed/ with its report. */
    void failed(String relative, String content, String reason) {
        String etag = put(LAYOUT.failed() + relative, content);
        String incomingKey = LAYOUT.incoming() + relative;
        put(LAYOUT.errorReportKey(incomingKey), new ErrorReport(incomingKey, etag, LAYOUT.failed() + relative, reason, 1,
                Instant.parse("2026-01-01T00:00:00Z"), Map.of()).toJson());
    }

    void ledgerRow(String key, String etag) {
        try (Connection c = postgres().connect();
             PreparedStatement st = c.prepareStatement("INSERT INTO " + ledger + " (key, etag, size, batch_id) VALUES (?, ?, 1, 'test')")) {
            st.setString(1, key);
            st.setString(2, etag);
            st.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    void sql(String statement) {
        postgresSql(statement);
    }

    static void postgresSql(String statement) {
        try (Connection c = postgres().connect(); Statement st = c.createStatement()) {
            st.execute(statement);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static EmbeddedPostgres postgres() {
        return SharedServers.postgres();
    }

    /** What one run of the command printed and returned. */
    record Run(int status, String out, String err) {
    }

    /** {@code s3loader audit --local --bucket B [--db-url … --ledger-table L] args…} with scripts/local's variables. */
    Run audit(boolean withLedger, String... args) {
        List<String> all = new ArrayList<>(List.of("audit", "--local", "--bucket", bucket));
        if (withLedger) {
            all.addAll(List.of("--destination", "postgres", "--db-url", postgres().jdbcUrl(), "--db-user", postgres().user(),
                    "--ledger-table", ledger));
        }
        all.addAll(List.of(args));
        return run(all.toArray(String[]::new));
    }

    Run run(String... args) {
        Map<String, String> env = new HashMap<>();
        env.put("S3LOADER_S3_PORT", String.valueOf(server.port()));
        return run(env, args);
    }

    static Run run(Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = S3LoaderCommand.run(args, env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        s3.close();
    }
}
