package dev.s3loader.loader.destination.postgres;

import dev.s3loader.embedded.EmbeddedPostgres;
import dev.s3loader.embedded.EmbeddedS3;
import dev.s3loader.embedded.SharedServers;
import dev.s3loader.loader.destination.LoadResult;
import dev.s3loader.model.FileMessage;
import dev.s3loader.model.LoaderConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * scripts/bench-postgres: loads the same CSV files into one PostgreSQL server three ways and
 * prints rows/s: the postgres destination (streamed from S3, ledger, one transaction per batch)
 * with one connection and with several, and {@code psql \copy} from local disk in one session.
 * Not a test: nothing is asserted on time.
 */
public final class PostgresBench {
    private PostgresBench() {
    }

    public static void main(String[] args) throws Exception {
        int files = Integer.getInteger("files", 200);
        int rows = Integer.getInteger("rows", 5000);
        int batch = Integer.getInteger("batch", 10);
        int concurrency = Integer.getInteger("concurrency", 4);
        String psql = System.getProperty("psql", "psql");
        int repeat = Integer.getInteger("repeat", 3);

        EmbeddedPostgres pg = SharedServers.postgres();
        EmbeddedS3 s3server = SharedServers.s3();
        String db = "bench";
        pg.createDatabase(db);
        s3server.createBucket("bench");
        Path dir = Files.createTempDirectory("s3loader-bench");
        System.out.printf("PostgreSQL %s, S3 %s; %d files x %d rows, batches of %d%n", pg.jdbcUrl(db),
                s3server.endpoint(), files, rows, batch);

        try (S3Client s3 = s3server.newClient()) {
            List<FileMessage> messages = new ArrayList<>();
            long bytes = 0;
            for (int f = 0; f < files; f++) {
                byte[] body = csv(f, rows).getBytes(StandardCharsets.UTF_8);
                bytes += body.length;
                Files.write(dir.resolve("f" + f + ".csv"), body);
                String key = "incoming/bench/f" + f + ".csv";
                String etag = s3.putObject(b -> b.bucket("bench").key(key), RequestBody.fromBytes(body)).eTag();
                messages.add(new FileMessage("bench", key, etag, body.length, Instant.now()));
            }
            System.out.printf("%.1f MB of CSV written to S3 and to %s%n", bytes / 1e6, dir);

            long total = (long) files * rows;
            // Warm-up (JIT, connections, S3 client) on a throw-away table, not measured.
            destination(pg, db, s3, messages.subList(0, Math.min(messages.size(), 4 * batch)), batch, 1, "bench_warm");
            // The three take turns, round after round: on a shared machine the load changes within a
            // minute, and a ratio means something only between figures taken side by side.
            String one = "postgres destination, 1 connection";
            String many = "postgres destination, " + concurrency + " connections";
            String copy = "psql \\copy, 1 session";
            Map<String, List<Double>> rates = new java.util.LinkedHashMap<>();
            for (int round = 1; round <= repeat; round++) {
                System.out.printf("round %d of %d%n", round, repeat);
                record(rates, one, total, destination(pg, db, s3, messages, batch, 1, "bench_dest_1"));
                record(rates, many, total, destination(pg, db, s3, messages, batch, concurrency, "bench_dest_n"));
                record(rates, copy, total, psql(pg, db, dir, files, psql));
            }
            System.out.printf("%nmedian of %d rounds:%n", repeat);
            double base = median(rates.getOrDefault(copy, List.of()));
            for (var e : rates.entrySet()) {
                double m = median(e.getValue());
                System.out.printf("%-40s %,10.0f rows/s%s%n", e.getKey(), m,
                        Double.isNaN(base) ? "" : String.format("  %.2f x psql \\copy", m / base));
            }
        } finally {
            try (Stream<Path> walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        System.exit(0);
    }

    private static double destination(EmbeddedPostgres pg, String db, S3Client s3, List<FileMessage> messages,
                                      int batch, int concurrency, String table) throws Exception {
        createTable(pg, db, table);
        LoaderConfig config = LoaderConfig.fromEnv(Map.of("BUCKET", "bench", "DESTINATION", "postgres",
                "DB_URL", pg.jdbcUrl(db), "DB_USER", pg.user(), "DB_PASSWORD", pg.password(), "DB_SSL_MODE", "disable",
                "DB_TABLE", table, "DB_LEDGER_TABLE", table + "_ledger", "MAX_CONCURRENCY", Integer.toString(concurrency)));
        ExecutorService pollers = Executors.newFixedThreadPool(concurrency);
        AtomicInteger batchNo = new AtomicInteger();
        try (PostgresDestination d = new PostgresDestination(config.database(), s3, () -> null)) {
            d.load(List.of(), "warm-up");
            long started = System.nanoTime();
            List<Future<List<LoadResult>>> loads = new ArrayList<>();
            for (int i = 0; i < messages.size(); i += batch) {
                List<FileMessage> part = messages.subList(i, Math.min(messages.size(), i + batch));
                loads.add(pollers.submit(() -> d.load(part, "bench-" + batchNo.incrementAndGet())));
            }
            for (Future<List<LoadResult>> f : loads) {
                for (LoadResult r : f.get()) {
                    if (!(r instanceof LoadResult.Loaded)) {
                        throw new IllegalStateException("not loaded: " + r);
                    }
                }
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            check(pg, db, table, (long) messages.size() * Integer.getInteger("rows", 5000));
            if (table.equals("bench_warm")) {
                createTable(pg, db, table);
            }
            return seconds;
        } finally {
            pollers.shutdown();
        }
    }

    private static double psql(EmbeddedPostgres pg, String db, Path dir, int files, String psql) throws Exception {
        createTable(pg, db, "bench_psql");
        Path script = dir.resolve("copy.sql");
        StringBuilder b = new StringBuilder();
        for (int f = 0; f < files; f++) {
            b.append("\\copy bench_psql (id, name, amount, created_at, score) FROM '")
                    .append(dir.resolve("f" + f + ".csv")).append("' WITH (FORMAT csv)\n");
        }
        Files.writeString(script, b.toString());
        ProcessBuilder p = new ProcessBuilder(psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                "-p", Integer.toString(pg.port()), "-U", pg.user(), "-d", db, "-f", script.toString())
                .redirectErrorStream(true);
        p.environment().put("PGPASSWORD", pg.password());
        long started = System.nanoTime();
        Process proc;
        try {
            proc = p.start();
        } catch (IOException e) {
            System.out.println("psql not found (" + psql + "): install postgresql-client or pass -Dpsql=/path/to/psql");
            return Double.NaN;
        }
        String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (proc.waitFor() != 0) {
            throw new IllegalStateException("psql failed: " + out);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        check(pg, db, "bench_psql", (long) files * Integer.getInteger("rows", 5000));
        return seconds;
    }

    private static void record(Map<String, List<Double>> rates, String what, long rows, double seconds) {
        if (Double.isNaN(seconds)) {
            return;
        }
        rates.computeIfAbsent(what, k -> new ArrayList<>()).add(rows / seconds);
        System.out.printf("  %-40s %10d rows in %6.2f s = %,10.0f rows/s%n", what, rows, seconds, rows / seconds);
    }

    private static double median(List<Double> values) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static String csv(int file, int rows) {
        StringBuilder b = new StringBuilder(rows * 64);
        long base = (long) file * rows;
        for (int i = 0; i < rows; i++) {
            long id = base + i;
            b.append(id).append(",customer-").append(id % 9973).append(',').append(i % 1000)
                    .append(",2024-05-").append(1 + i % 28).append("T12:").append(10 + i % 50).append(":00Z,")
                    .append(i * 0.25).append('\n');
        }
        return b.toString();
    }

    private static void createTable(EmbeddedPostgres pg, String db, String table) throws Exception {
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(db), pg.user(), pg.password());
             Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + table + ", " + table + "_ledger");
            s.execute("CREATE TABLE " + table + " (id bigint, name text, amount int, created_at timestamptz, score double precision)");
        }
    }

    private static void check(EmbeddedPostgres pg, String db, String table, long expected) throws Exception {
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(db), pg.user(), pg.password());
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            if (rs.getLong(1) != expected) {
                throw new IllegalStateException(table + " holds " + rs.getLong(1) + " rows, expected " + expected);
            }
        }
    }
}
