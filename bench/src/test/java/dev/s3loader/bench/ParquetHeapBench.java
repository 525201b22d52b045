package dev.s3loader.bench;

import dev.s3loader.embedded.EmbeddedPostgres;
import dev.s3loader.embedded.EmbeddedS3;
import dev.s3loader.model.FileMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * scripts/bench-heap --parquet: the loader's memory while it loads one Parquet file into PostgreSQL
 * (FILE_FORMAT=parquet), per file size and row-group size, in a fresh JVM from the shaded Lambda jar.
 * The files are written by DuckDB, uncompressed so that a row group's bytes are what the reader
 * holds: id bigint and a 128-character payload that does not dictionary-encode. The live heap
 * should follow the row group, not the file.
 */
public final class ParquetHeapBench {
    private static final long MIB = 1024 * 1024;
    /** Bytes a row takes in the file: an 8-byte id, a 4-byte length and 128 characters. */
    private static final long ROW_BYTES = 140;

    private ParquetHeapBench() {
    }

    public static void main(String[] args) throws Exception {
        List<Long> sizesMib = longs(System.getProperty("sizes", "256,1024"));
        List<Long> groupsMib = longs(System.getProperty("rowGroups", "128"));
        String xmx = System.getProperty("xmx", "512m");
        Path loaderJar = Path.of(System.getProperty("loader.jar", "loader/target/s3loader-loader.jar"));
        List<String> flags = List.of("-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-Xshare:auto", "-Xmx" + xmx);
        Path data = Files.createTempDirectory("s3loader-parquet-heap");
        ProbeJvm jvm = new ProbeJvm();
        List<String[]> rows = new ArrayList<>();
        try (ProbeStack stack = new ProbeStack(EmbeddedS3.onDisk(data.resolve("s3"), 0));
             EmbeddedPostgres postgres = EmbeddedPostgres.start()) {
            String bucket = "heap";
            stack.s3Server.createBucket(bucket);
            sql(postgres, "CREATE TABLE heap_parquet (id bigint, payload text)");
            for (long group : groupsMib) {
                for (long size : sizesMib) {
                    Path file = data.resolve(size + "-" + group + ".parquet");
                    long n = size * MIB / ROW_BYTES;
                    System.err.printf("writing %d MiB Parquet, %d MiB row groups (%d rows)…%n", size, group, n);
                    try (Connection duck = DriverManager.getConnection("jdbc:duckdb:"); Statement s = duck.createStatement()) {
                        s.execute("SET preserve_insertion_order = false");
                        s.execute("COPY (SELECT i AS id, md5(i::VARCHAR) || md5((i + 1)::VARCHAR) || md5((i + 2)::VARCHAR)"
                                + " || md5((i + 3)::VARCHAR) AS payload FROM range(0, " + n + ") t(i)) TO '" + file
                                + "' (FORMAT parquet, COMPRESSION uncompressed, ROW_GROUP_SIZE " + group * MIB / ROW_BYTES + ")");
                    }
                    long bytes = Files.size(file);
                    String key = "incoming/parquet " + size + " MiB, groups " + group + " MiB.parquet";
                    stack.s3.putObject(b -> b.bucket(bucket).key(key), file);
                    Files.delete(file);
                    FileMessage m = stack.message(bucket, key);
                    Map<String, String> env = stack.awsEnv();
                    env.put("BUCKET", bucket);
                    env.put("DESTINATION", "postgres");
                    env.put("FILE_FORMAT", "parquet");
                    env.put("DB_URL", postgres.jdbcUrl());
                    env.put("DB_USER", postgres.user());
                    env.put("DB_PASSWORD", postgres.password());
                    env.put("DB_SSL_MODE", "disable");
                    env.put("DB_TABLE", "heap_parquet");
                    System.err.printf("loading %s…%n", key);
                    long start = System.nanoTime();
                    String[] row;
                    try {
                        Map<String, String> out = jvm.probe(loaderJar, flags, env, "loader", m.toJson());
                        long ms = (System.nanoTime() - start) / 1_000_000;
                        long loaded = count(postgres);
                        row = new String[] {String.format("%.0f", bytes / (double) MIB), group + " MiB",
                                mib(out.get("livePeak")), mib(out.get("poolPeaks")), mib(out.get("rssPeak")), out.get("gcs"),
                                Long.toString(ms), out.get("failures").equals("0") && loaded == n
                                        ? "loaded " + loaded + " rows, " + String.format("%.0f", loaded / (ms / 1000.0)) + " rows/s"
                                        : "NOT loaded (" + loaded + " of " + n + " rows; " + out + ")"};
                    } catch (IllegalStateException e) {
                        String msg = e.getMessage();
                        row = new String[] {size + "", group + " MiB", "-", "-", "-", "-", "-",
                                msg.contains("OutOfMemoryError") ? "FAILED: OutOfMemoryError" : "FAILED (see stderr)"};
                        System.err.println(msg);
                    }
                    rows.add(row);
                    sql(postgres, "TRUNCATE heap_parquet");
                }
            }
        } finally {
            try (var files = Files.walk(data)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        System.out.printf("%nloader memory per Parquet file (FILE_FORMAT=parquet into PostgreSQL), LoaderHandler from %s, fresh JVM with %s%n",
                loaderJar, String.join(" ", flags));
        System.out.printf("%9s %10s %14s %14s %12s %5s %9s  %s%n", "file MiB", "row group", "live heap MiB", "pool peaks MiB",
                "RSS peak MiB", "GCs", "ms", "outcome");
        for (String[] r : rows) {
            System.out.printf("%9s %10s %14s %14s %12s %5s %9s  %s%n", (Object[]) r);
        }
        System.out.println("live heap = most heap in use right after any GC: it should follow the row group (the reader holds"
                + " one row group's column chunks), not the file.");
    }

    private static List<Long> longs(String csv) {
        return Arrays.stream(csv.split(",")).map(String::trim).map(Long::parseLong).toList();
    }

    private static String mib(String bytes) {
        long b = Long.parseLong(bytes);
        return b < 0 ? "-" : String.format("%.1f", b / (double) MIB);
    }

    private static long count(EmbeddedPostgres postgres) throws Exception {
        try (Connection c = postgres.connect(); Statement s = c.createStatement();
             var rs = s.executeQuery("SELECT count(*) FROM heap_parquet")) {
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
