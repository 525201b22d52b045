package dev.s3loader.ops;

import dev.s3loader.embedded.EmbeddedPostgres;
import dev.s3loader.embedded.SharedServers;
import dev.s3loader.embedded.redshift.EmbeddedRedshiftData;
import dev.s3loader.loader.BatchOutcome;
import dev.s3loader.loader.Delivery;
import dev.s3loader.loader.LoaderWiring;
import dev.s3loader.model.FileMessage;
import dev.s3loader.model.LoaderConfig;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.redshiftdata.RedshiftDataClient;

/**
 * A bucket of its own and a redshift ledger written by the real loader: files dropped into
 * incoming/ are delivered to a {@link LoaderWiring} with DESTINATION=redshift, which loads them through
 * the local Redshift Data API (over the JVM's shared PostgreSQL and S3) and moves them to
 * processed/. The Data API hands results out a few rows per page, so every reader pages.
 */
final class RedshiftAuditFixture implements AutoCloseable {
    static final String DATABASE = "audit_redshift";
    static final String WORKGROUP = "s3loader";
    /** Rows per GetStatementResult page: small, so that any reader that ignores NextToken loses rows. */
    static final int PAGE_ROWS = 3;

    /** One local Data API for the test JVM, over the shared servers. */
    static final class Server {
        static final EmbeddedRedshiftData API = start();

        private static EmbeddedRedshiftData start() {
            SharedServers.postgres().createDatabase(DATABASE);
            EmbeddedRedshiftData api = EmbeddedRedshiftData.start(SharedServers.postgres(), SharedServers.s3().newClient());
            api.resultPageRows(PAGE_ROWS);
            return api;
        }
    }

    final AuditFixture files = new AuditFixture();
    final String table = "rs_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    final String ledger = table + "_ledger";
    final RedshiftDataClient client = Server.API.newClient();

    RedshiftAuditFixture() {
        sql("CREATE TABLE " + table + " (id int NOT NULL, name varchar(40))");
    }

    /** Drops each relative key into incoming/ and has the real loader load them all in one batch. */
    BatchOutcome load(List<String> relativeKeys) {
        List<Delivery> deliveries = new ArrayList<>();
        int id = 0;
        for (String rel : relativeKeys) {
            String key = AuditFixture.LAYOUT.incoming() + rel;
            byte[] body = (id++ + ",row of " + rel.replaceAll("[^a-z0-9./]", "_") + "\n").getBytes(StandardCharsets.UTF_8);
            String etag = files.s3.putObject(b -> b.bucket(files.bucket).key(key), RequestBody.fromBytes(body)).eTag();
            FileMessage m = new FileMessage(files.bucket, key, etag, body.length, Instant.now());
            deliveries.add(new Delivery(UUID.randomUUID().toString(), m.toJson(), 1));
        }
        Map<String, String> env = new HashMap<>(Map.of("BUCKET", files.bucket, "DESTINATION", "redshift",
                "REDSHIFT_WORKGROUP", WORKGROUP, "DB_NAME", DATABASE,
                "REDSHIFT_IAM_ROLE", "arn:aws:iam::123456789012:role/s3loader-copy",
                "DB_TABLE", table, "DB_LEDGER_TABLE", ledger, "BATCH_SIZE", "100"));
        try (LoaderWiring loader = new LoaderWiring(LoaderConfig.fromEnv(env), new LoaderWiring.Clients(files.s3, () -> client),
                line -> { }, Clock.systemUTC())) {
            return loader.processor().process(deliveries);
        }
    }

    /** {@code s3loader audit --local --bucket B --destination redshift …} against the local Data API. */
    AuditFixture.Run audit(String... args) {
        List<String> all = new ArrayList<>(List.of("audit", "--local", "--bucket", files.bucket, "--destination", "redshift",
                "--redshift-endpoint", Server.API.endpoint().toString(), "--workgroup", WORKGROUP, "--database", DATABASE,
                "--ledger-table", ledger));
        all.addAll(List.of(args));
        return files.run(all.toArray(String[]::new));
    }

    /** Runs SQL on the PostgreSQL behind the local Data API, as a DBA with direct access would. */
    int sql(String statement, String... parameters) {
        try (Connection c = postgres().dataSource(DATABASE).getConnection(); PreparedStatement st = c.prepareStatement(statement)) {
            for (int i = 0; i < parameters.length; i++) {
                st.setString(i + 1, parameters[i]);
            }
            st.execute();
            return st.getUpdateCount();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The ledger's identity of a key (LedgerId): rows are picked by it, since Redshift's = ignores trailing blanks. */
    static String keyHash(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static EmbeddedPostgres postgres() {
        return SharedServers.postgres();
    }

    @Override
    public void close() {
        client.close();
        files.close();
    }
}
