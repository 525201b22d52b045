package dev.s3loader.loader.destination.postgres;

import dev.s3loader.embedded.EmbeddedPostgres;
import dev.s3loader.embedded.SharedServers;
import dev.s3loader.loader.BatchOutcome;
import dev.s3loader.loader.Delivery;
import dev.s3loader.loader.LoaderWiring;
import dev.s3loader.model.ErrorReport;
import dev.s3loader.model.FileMessage;
import dev.s3loader.model.LoaderConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.zip.GZIPOutputStream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.redshiftdata.RedshiftDataClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.EncodingType;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A bucket and a database of the JVM's shared S3 and PostgreSQL servers for one test class, and
 * the few things the database destination tests do with them: put files, deliver their messages
 * to a real {@link LoaderWiring}, look at the table, the ledger and the bucket.
 */
public final class Harness implements AutoCloseable {
    public final String bucket;
    public final String database;
    public final EmbeddedPostgres pg;
    public final S3Client s3;
    private final List<LoaderWiring> loaders = new ArrayList<>();

    public Harness(String name) {
        this(name, SharedServers.postgres());
    }

    /** On another server than the shared one (e.g. one with TLS and passwords). */
    public Harness(String name, EmbeddedPostgres pg) {
        this.bucket = name.replace('_', '-');
        this.database = name;
        this.pg = pg;
        pg.createDatabase(database);
        SharedServers.s3().createBucket(bucket);
        this.s3 = SharedServers.s3().newClient();
    }

    public String jdbcUrl() {
        return pg.jdbcUrl(database);
    }

    /** The environment every test starts from; tests add or override variables. */
    public Map<String, String> env(String... kv) {
        Map<String, String> env = new HashMap<>();
        env.put("BUCKET", bucket);
        env.put("DESTINATION", "postgres");
        env.put("DB_URL", jdbcUrl());
        env.put("DB_USER", pg.user());
        env.put("DB_PASSWORD", pg.password());
        env.put("DB_SSL_MODE", "disable"); // the shared test server has no TLS
        for (int i = 0; i < kv.length; i += 2) {
            env.put(kv[i], kv[i + 1]);
        }
        return env;
    }

    public LoaderWiring loader(Map<String, String> env) {
        return loader(env, () -> {
            throw new IllegalStateException("no Redshift here");
        });
    }

    public LoaderWiring loader(Map<String, String> env, Supplier<RedshiftDataClient> redshift) {
        LoaderWiring l = new LoaderWiring(LoaderConfig.fromEnv(env), new LoaderWiring.Clients(s3, redshift), line -> { }, Clock.systemUTC());
        loaders.add(l);
        return l;
    }

    public FileMessage put(String key, String body) {
        return put(key, body.getBytes(StandardCharsets.UTF_8));
    }

    public FileMessage put(String key, byte[] body) {
        String etag = s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(body)).eTag();
        return new FileMessage(bucket, key, etag, body.length, Instant.now());
    }

    public static byte[] gzip(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(out)) {
            g.write(text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    public static Delivery delivery(FileMessage m) {
        return new Delivery(UUID.randomUUID().toString(), m.toJson(), 1);
    }

    public static List<Delivery> deliveries(List<FileMessage> files) {
        return files.stream().map(Harness::delivery).toList();
    }

    /** Delivers the files in batches of {@code x}, as the queue would, and returns the outcomes. */
    public static List<BatchOutcome> deliverInBatches(LoaderWiring loader, List<FileMessage> files, int x) {
        List<BatchOutcome> out = new ArrayList<>();
        for (int i = 0; i < files.size(); i += x) {
            out.add(loader.processor().process(deliveries(files.subList(i, Math.min(files.size(), i + x)))));
        }
        return out;
    }

    public List<String> keys(String prefix) {
        List<String> keys = new ArrayList<>();
        for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)
                .encodingType(EncodingType.URL)).contents()) {
            keys.add(o.key());
        }
        return keys;
    }

    public ErrorReport report(String errorKey) {
        return ErrorReport.fromJson(s3.getObjectAsBytes(b -> b.bucket(bucket).key(errorKey)).asUtf8String());
    }

    public void sql(String statements) {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute(statements);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public long count(String query) {
        return Long.parseLong(one(query));
    }

    public String one(String query) {
        try (Connection c = connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
            if (!rs.next()) {
                return null;
            }
            return rs.getString(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public List<String> column(String query) {
        List<String> out = new ArrayList<>();
        try (Connection c = connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), pg.user(), pg.password());
    }

    /** {@code rows} CSV lines {@code id,name,amount} with ids from {@code firstId}. */
    public static String csv(int firstId, int rows) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < rows; i++) {
            b.append(firstId + i).append(",name ").append(firstId + i).append(',').append(i).append('\n');
        }
        return b.toString();
    }

    @Override
    public void close() {
        loaders.forEach(LoaderWiring::close);
        s3.close();
    }
}
