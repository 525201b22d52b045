package dev.s3loader.bench;

import dev.s3loader.embedded.EmbeddedPostgres;
import dev.s3loader.embedded.EmbeddedS3;
import dev.s3loader.loader.BatchOutcome;
import dev.s3loader.loader.Delivery;
import dev.s3loader.loader.LoaderWiring;
import dev.s3loader.model.FileMessage;
import dev.s3loader.model.LoaderConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * scripts/bench's Parquet row: rows/s of one Parquet file loaded into PostgreSQL by the loader
 * (FILE_FORMAT=parquet: ranged GETs from the local S3 server, the row groups converted to COPY), beside
 * {@code psql \copy} of the same rows as CSV from local disk into a twin table, in the same run on
 * the same server. DuckDB writes both files from one query. Prints the figures; asserts nothing.
 */
public final class ParquetRowsBench {
    private ParquetRowsBench() {
    }

    private static final String SELECT = "SELECT i AS id, 'name ' || i AS name, (i % 1000)::INTEGER AS amount, "
            + "TIMESTAMP '2024-01-01' + to_seconds(i) AS made, (i / 100)::DECIMAL(12,2) AS price, "
            + "md5(i::VARCHAR) AS note FROM range(0, ROWS) t(i)";

    public static void main(String[] args) throws Exception {
        long rows = Long.parseLong(System.getProperty("rows", "2000000"));
        String psql = System.getProperty("psql", "psql");
        Path data = Files.createTempDirectory("s3loader-parquet-rows");
        try (EmbeddedS3 s3Server = EmbeddedS3.onDisk(data.resolve("s3"), 0);
             EmbeddedPostgres postgres = EmbeddedPostgres.start();
             S3Client s3 = s3Server.newClient()) {
            String bucket = "rows";
            s3Server.createBucket(bucket);
            String ddl = " (id bigint, name text, amount int, made timestamp, price numeric(12,2), note text)";
            sql(postgres, "CREATE TABLE bench_parquet" + ddl + "; CREATE TABLE bench_parquet_psql" + ddl);
            Path parquet = data.resolve("rows.parquet");
            Path csv = data.resolve("rows.csv");
            Path warm = data.resolve("warm.parquet");
            try (Connection duck = DriverManager.getConnection("jdbc:duckdb:"); Statement s = duck.createStatement()) {
                String select = SELECT.replace("ROWS", Long.toString(rows));
                s.execute("COPY (" + select + ") TO '" + parquet + "' (FORMAT parquet, COMPRESSION snappy)");
                s.execute("COPY (" + select + ") TO '" + csv + "' (FORMAT csv, HEADER true)");
                s.execute("COPY (" + SELECT.replace("ROWS", "10000") + ") TO '" + warm + "' (FORMAT parquet, COMPRESSION snappy)");
            }
            Map<String, String> env = new HashMap<>();
            env.put("BUCKET", bucket);
            env.put("DESTINATION", "postgres");
            env.put("FILE_FORMAT", "parquet");
            env.put("DB_URL", postgres.jdbcUrl());
            env.put("DB_USER", postgres.user());
            env.put("DB_PASSWORD", postgres.password());
            env.put("DB_SSL_MODE", "disable");
            env.put("DB_TABLE", "bench_parquet");
            try (LoaderWiring loader = new LoaderWiring(LoaderConfig.fromEnv(env), new LoaderWiring.Clients(s3, () -> null), line -> { },
                    Clock.systemUTC())) {
                // A small file first: the connection, the ledger and the JIT are not what is measured.
                load(loader, s3, bucket, "incoming/warm.parquet", warm);
                sql(postgres, "TRUNCATE bench_parquet");
                long start = System.nanoTime();
                BatchOutcome outcome = load(loader, s3, bucket, "incoming/rows.parquet", parquet);
                double loaderSeconds = (System.nanoTime() - start) / 1e9;
                long loaded = count(postgres, "bench_parquet");

                ProcessBuilder pb = new ProcessBuilder(psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                        "-p", Integer.toString(postgres.port()), "-U", postgres.user(), "-d", EmbeddedPostgres.DATABASE,
                        "-c", "\\copy bench_parquet_psql FROM '" + csv + "' WITH (FORMAT csv, HEADER true)")
                        .redirectErrorStream(true);
                pb.environment().put("PGPASSWORD", postgres.password());
                pb.environment().put("PGSSLMODE", "disable");
                start = System.nanoTime();
                Process p = pb.start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                int exit = p.waitFor();
                double psqlSeconds = (System.nanoTime() - start) / 1e9;
                long copied = count(postgres, "bench_parquet_psql");

                System.out.printf("%nParquet into PostgreSQL: %d rows (id, name, amount, made, price, note); Parquet %.1f MiB (snappy),"
                        + " CSV %.1f MiB%n", rows, Files.size(parquet) / 1048576.0, Files.size(csv) / 1048576.0);
                System.out.printf("%-44s %10s %9s %12s%n", "", "rows", "s", "rows/s");
                System.out.printf("%-44s %10d %9.2f %12.0f%s%n", "loader FILE_FORMAT=parquet (S3 -> COPY)", loaded,
                        loaderSeconds, loaded / loaderSeconds, outcome.processed() == 1 ? "" : "  NOT processed: " + outcome);
                System.out.printf("%-44s %10d %9.2f %12.0f%s%n", "psql \\copy of the same rows as CSV (local disk)", copied,
                        psqlSeconds, copied / psqlSeconds, exit == 0 ? "" : "  psql failed: " + out.trim());
                System.out.printf("loader / psql: %.2f%n", (loaded / loaderSeconds) / (copied / psqlSeconds));
            }
        } finally {
            try (var files = Files.walk(data)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static BatchOutcome load(LoaderWiring loader, S3Client s3, String bucket, String key, Path file) {
        s3.putObject(b -> b.bucket(bucket).key(key), file);
        var head = s3.headObject(b -> b.bucket(bucket).key(key));
        FileMessage m = new FileMessage(bucket, key, head.eTag(), head.contentLength(), head.lastModified());
        return loader.processor().process(List.of(new Delivery(UUID.randomUUID().toString(), m.toJson(), 1)));
    }

    private static long count(EmbeddedPostgres postgres, String table) throws Exception {
        try (Connection c = postgres.connect(); Statement s = c.createStatement();
             var rs = s.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void sql(EmbeddedPostgres postgres, String sql) throws Exception {
        try (Connection c = postgres.connect(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
