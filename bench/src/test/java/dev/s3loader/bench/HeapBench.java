package dev.s3loader.bench;

import dev.s3loader.embedded.EmbeddedPostgres;
import dev.s3loader.embedded.EmbeddedS3;
import dev.s3loader.model.FileMessage;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * scripts/bench-heap: the loader's memory while it handles one SQS event naming one large file,
 * per file size, in a fresh JVM with a small heap (the shaded Lambda jar, Lambda's JVM flags but
 * -Xmx64m): copy mode (a multipart server-side copy, MULTIPART_THRESHOLD_BYTES 32 MiB) and postgres
 * mode (the CSV streamed from S3 into COPY, then the move). Prints, per size, the most live heap
 * after any GC, the heap pools' peaks, the peak resident set and the time; a path that buffers
 * the file fails with OutOfMemoryError under the small heap, which the table shows.
 */
public final class HeapBench {
    private static final long MIB = 1024 * 1024;

    private HeapBench() {
    }

    public static void main(String[] args) throws Exception {
        List<Long> sizesMib = Arrays.stream(System.getProperty("sizes", "64,256,1024").split(","))
                .map(String::trim).map(Long::parseLong).toList();
        List<String> modes = List.of(System.getProperty("modes", "copy,postgres").split(","));
        String xmx = System.getProperty("xmx", "64m");
        Path loaderJar = Path.of(System.getProperty("loader.jar", "loader/target/s3loader-loader.jar"));
        if (!Files.isRegularFile(loaderJar)) {
            throw new IllegalStateException(loaderJar + " is missing: build it with mvn -pl loader -am package");
        }
        List<String> flags = List.of("-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-Xshare:auto", "-Xmx" + xmx);
        Path data = Files.createTempDirectory("s3loader-heap");
        ProbeJvm jvm = new ProbeJvm();
        List<String[]> rows = new ArrayList<>();
        try (ProbeStack stack = new ProbeStack(EmbeddedS3.onDisk(data.resolve("s3"), 0));
             EmbeddedPostgres postgres = modes.contains("postgres") ? EmbeddedPostgres.start() : null) {
            String bucket = "heap";
            stack.s3Server.createBucket(bucket);
            if (postgres != null) {
                sql(postgres, "CREATE TABLE heap_rows (id bigint, payload text)");
            }
            for (long size : sizesMib) {
                Path csv = data.resolve(size + ".csv");
                writeCsv(csv, size * MIB);
                stack.s3.putObject(b -> b.bucket(bucket).key("template/" + size + ".csv"), RequestBody.fromFile(csv));
                Files.delete(csv);
            }
            for (String mode : modes) {
                for (long size : sizesMib) {
                    String key = "incoming/" + mode + " " + size + " MiB.csv";
                    stack.s3.copyObject(b -> b.sourceBucket(bucket).sourceKey("template/" + size + ".csv")
                            .destinationBucket(bucket).destinationKey(key));
                    FileMessage m = stack.message(bucket, key);
                    Map<String, String> env = stack.awsEnv();
                    env.put("BUCKET", bucket);
                    env.put("DESTINATION", mode);
                    env.put("MULTIPART_THRESHOLD_BYTES", Long.toString(32 * MIB));
                    env.put("MULTIPART_PART_BYTES", Long.toString(16 * MIB));
                    if (mode.equals("postgres")) {
                        env.put("DB_URL", postgres.jdbcUrl());
                        env.put("DB_USER", postgres.user());
                        env.put("DB_PASSWORD", postgres.password());
                        env.put("DB_SSL_MODE", "disable");
                        env.put("DB_TABLE", "heap_rows");
                    }
                    System.err.printf("%s %d MiB…%n", mode, size);
                    long start = System.nanoTime();
                    String[] row;
                    try {
                        Map<String, String> out = jvm.probe(loaderJar, flags, env, "loader", m.toJson());
                        long ms = (System.nanoTime() - start) / 1_000_000;
                        String processed = "processed/" + key.substring("incoming/".length());
                        boolean moved = out.get("failures").equals("0") && stack.exists(bucket, processed)
                                && !stack.exists(bucket, key);
                        row = new String[] {mode, size + " MiB", mib(out.get("livePeak")), mib(out.get("poolPeaks")),
                                mib(out.get("rssPeak")), out.get("gcs"), Long.toString(ms),
                                !moved ? "NOT moved (" + out + ")"
                                        : mode.equals("copy") ? "moved, " + parts(stack, bucket, processed)
                                        : "moved, " + count(postgres) + " rows of " + size * MIB / 128};
                        if (moved) {
                            stack.s3.deleteObject(b -> b.bucket(bucket).key(processed));
                        }
                    } catch (IllegalStateException e) {
                        String msg = e.getMessage();
                        row = new String[] {mode, size + " MiB", "-", "-", "-", "-", "-",
                                msg.contains("OutOfMemoryError") ? "FAILED: OutOfMemoryError" : "FAILED (see stderr)"};
                        System.err.println(msg);
                    }
                    rows.add(row);
                    if (postgres != null) {
                        sql(postgres, "TRUNCATE heap_rows");
                    }
                }
            }
        } finally {
            try (var files = Files.walk(data)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        System.out.printf("%nloader memory per file size: one SQS event of one file, LoaderHandler from %s, fresh JVM with %s%n",
                loaderJar, String.join(" ", flags));
        System.out.printf("%-9s %9s %14s %14s %12s %5s %9s  %s%n", "mode", "file", "live heap MiB", "pool peaks MiB",
                "RSS peak MiB", "GCs", "ms", "outcome");
        for (String[] r : rows) {
            System.out.printf("%-9s %9s %14s %14s %12s %5s %9s  %s%n", (Object[]) r);
        }
        System.out.println("live heap = most heap in use right after any GC (what the work keeps); pool peaks = sum of the"
                + " heap pools' peaks (garbage included, bounded by -Xmx); RSS peak = the process's VmHWM (Lambda's Max Memory Used).");
    }

    private static String mib(String bytes) {
        long b = Long.parseLong(bytes);
        return b < 0 ? "-" : String.format("%.1f", b / (double) MIB);
    }

    /** How the copy was made: a multipart copy's etag ends in -PARTS. */
    private static String parts(ProbeStack stack, String bucket, String key) {
        String etag = stack.s3.headObject(b -> b.bucket(bucket).key(key)).eTag().replace("\"", "");
        int dash = etag.indexOf('-');
        return dash < 0 ? "one CopyObject" : etag.substring(dash + 1) + " parts";
    }

    private static long count(EmbeddedPostgres postgres) throws Exception {
        try (Connection c = postgres.connect(); Statement s = c.createStatement();
             var rs = s.executeQuery("SELECT count(*) FROM heap_rows")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void sql(EmbeddedPostgres postgres, String sql) throws Exception {
        try (Connection c = postgres.connect(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** A CSV of (id, payload) rows of 128 bytes each, so a size in MiB is whole rows. */
    private static void writeCsv(Path file, long bytes) throws IOException {
        String payload = "the quick brown fox jumps over the lazy dog, quoted \"\"twice\"\", then 0123456789 ".repeat(2);
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            for (long id = 0; id < bytes / 128; id++) {
                String row = String.format("%012d,\"", id);
                row = row + payload.substring(0, 128 - row.length() - 2) + "\"\n";
                out.write(row.getBytes(StandardCharsets.US_ASCII));
            }
        }
    }
}
