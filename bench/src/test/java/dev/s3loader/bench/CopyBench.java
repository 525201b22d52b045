package dev.s3loader.bench;

import dev.s3loader.embedded.EmbeddedS3;
import dev.s3loader.local.LocalRuntime;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * scripts/bench-copy: the same N waiting files, copied fresh from one seeded template for each run,
 * drained by each mover in turn on the same kind of server, rounds interleaved (A B A B …) so a
 * drift of the shared machine hits both; prints files/s per run, the ratio to rclone in the same
 * round, and s3loader's requests per file by API (every SDK request in this JVM, counted by
 * {@link RequestCounter}). Movers:
 * <ul>
 *   <li>{@code s3loader}: LocalRuntime (DESTINATION=copy, the copy is the move to processed/), from
 *       start to incoming/ empty; the lister and queue included.</li>
 *   <li>{@code rclone}: {@code rclone move incoming processed --transfers 32 --checkers 32} on the
 *       embedded server.</li>
 *   <li>{@code rclone-plain}: the same against a plain S3Proxy (filesystem-nio2, no wrappers) on the
 *       same data: the embedded server's own cost.</li>
 *   <li>{@code list}, {@code list-plain}: one full ListObjectsV2 of incoming/ (pages of 1,000),
 *       keys/s.</li>
 * </ul>
 * Prints; asserts nothing.
 */
public final class CopyBench {
    static final String BUCKET = "bench";

    private CopyBench() {
    }

    public static void main(String[] args) throws Exception {
        int files = Integer.getInteger("files", 10_000);
        int size = Integer.getInteger("size", 1024);
        int rounds = Integer.getInteger("rounds", 1);
        List<String> movers = List.of(System.getProperty("movers", "rclone,s3loader").split(","));
        Path work = Path.of(System.getProperty("work", "bench/target/bench-copy")).toAbsolutePath();
        Path template = seed(work.resolve("template-" + files + "-" + size), files, size);
        System.out.printf("bench-copy: %,d files of %,d bytes, movers %s, %d round(s); cores %d%n", files, size, movers,
                rounds, Runtime.getRuntime().availableProcessors());
        Map<String, List<Double>> rates = new LinkedHashMap<>();
        for (int r = 1; r <= rounds; r++) {
            Map<String, Double> round = new LinkedHashMap<>();
            for (String mover : movers) {
                Path run = work.resolve("run");
                delete(run);
                copyTree(template, run);
                double rate = switch (mover) {
                    case "s3loader" -> s3loader(run, files);
                    case "rclone" -> rclone(run, files, false);
                    case "rclone-plain" -> rclone(run, files, true);
                    case "list" -> list(run, files, false);
                    case "list-plain" -> list(run, files, true);
                    default -> throw new IllegalArgumentException("unknown mover " + mover);
                };
                round.put(mover, rate);
                rates.computeIfAbsent(mover, k -> new ArrayList<>()).add(rate);
            }
            StringBuilder line = new StringBuilder("round " + r + ":");
            round.forEach((m, v) -> line.append(String.format("  %s %.0f/s", m, v)));
            if (round.containsKey("s3loader") && round.containsKey("rclone")) {
                line.append(String.format("  s3loader/rclone %.2fx", round.get("s3loader") / round.get("rclone")));
            }
            if (round.containsKey("rclone") && round.containsKey("rclone-plain")) {
                line.append(String.format("  rclone plain/embedded %.2fx", round.get("rclone-plain") / round.get("rclone")));
            }
            if (round.containsKey("list") && round.containsKey("list-plain")) {
                line.append(String.format("  list embedded/plain %.2fx", round.get("list") / round.get("list-plain")));
            }
            System.out.println(line);
        }
        rates.forEach((m, v) -> System.out.printf("%-13s median %.0f/s over %d run(s) %s%n", m, median(v), v.size(), v));
    }

    /** N objects under incoming/ written straight to disk as filesystem-nio2 stores them (file + MD5 xattr). */
    static Path seed(Path template, int files, int size) throws Exception {
        Path done = template.resolve(".seeded");
        if (Files.exists(done)) {
            return template;
        }
        delete(template);
        Path dir = template.resolve("s3").resolve(BUCKET).resolve("incoming");
        Files.createDirectories(dir);
        byte[] body = new byte[size];
        for (int i = 0; i < files; i++) {
            String name = String.format("f-%08d.csv", i);
            body[0] = (byte) i;
            body[1] = (byte) (i >> 8);
            body[2] = (byte) (i >> 16);
            Path p = dir.resolve(name);
            Files.write(p, body);
            byte[] md5 = MessageDigest.getInstance("MD5").digest(body);
            Files.getFileAttributeView(p, UserDefinedFileAttributeView.class).write("user.content-md5", ByteBuffer.wrap(md5));
        }
        // The server must see them as objects with the right etag.
        try (EmbeddedS3 s3 = EmbeddedS3.onDisk(template.resolve("s3"), 0); S3Client c = s3.newClient()) {
            String etag = c.headObject(b -> b.bucket(BUCKET).key("incoming/f-00000000.csv")).eTag();
            if (etag == null || etag.length() < 32) {
                throw new IllegalStateException("seeded object has no etag: " + etag);
            }
        }
        Files.writeString(done, "");
        return template;
    }

    private static double s3loader(Path run, int files) throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("DESTINATION", "copy");
        for (String name : List.of("POLLERS", "BATCH_SIZE", "MOVE_CONCURRENCY", "BATCHING_WINDOW_SECONDS",
                "WAIT_TIME_SECONDS", "LIST_RANGES", "MAX_IN_FLIGHT_FILES")) {
            if (System.getenv(name) != null) {
                env.put(name, System.getenv(name));
            }
        }
        Duration interval = Duration.ofSeconds(Long.parseLong(System.getenv().getOrDefault("LIST_INTERVAL_SECONDS", "5")));
        Path incoming = run.resolve("s3").resolve(BUCKET).resolve("incoming");
        Path processed = run.resolve("s3").resolve(BUCKET).resolve("processed");
        RequestCounter.reset();
        long start = System.nanoTime();
        double seconds;
        try (LocalRuntime rt = new LocalRuntime(new LocalRuntime.Options(run, 0, 0, 0, BUCKET, interval,
                run.resolve("metrics")), env)) {
            while (count(incoming) > 0 || count(processed) < files) {
                Thread.sleep(250);
            }
            seconds = (System.nanoTime() - start) / 1e9;
        }
        Map<String, Long> requests = RequestCounter.snapshot();
        StringBuilder b = new StringBuilder();
        long billable = 0;
        for (var e : requests.entrySet()) {
            b.append(String.format(" %s %.3f", e.getKey(), e.getValue() / (double) files));
            if (!e.getKey().equals("S3.DeleteObject") && !e.getKey().equals("S3.CreateBucket")
                    && !e.getKey().startsWith("Sqs.CreateQueue") && !e.getKey().equals("Sqs.GetQueueAttributes")
                    && !e.getKey().equals("Sqs.GetQueueUrl")) {
                billable += e.getValue();
            }
        }
        System.out.printf("  s3loader: %,d files in %.1f s = %.0f files/s; billable requests/file %.3f;%s%n", files,
                seconds, files / seconds, billable / (double) files, b);
        return files / seconds;
    }

    private static double rclone(Path run, int files, boolean plain) throws Exception {
        try (Server server = plain ? Server.plain(run.resolve("s3")) : Server.embedded(run.resolve("s3"))) {
            ProcessBuilder pb = new ProcessBuilder("rclone", "move", "bench:" + BUCKET + "/incoming",
                    "bench:" + BUCKET + "/processed", "--transfers", "32", "--checkers", "32")
                    .redirectErrorStream(true).redirectOutput(run.resolve("rclone.log").toFile());
            Map<String, String> env = pb.environment();
            // rclone refuses a CA bundle for a plain-HTTP endpoint; nothing here uses TLS.
            env.remove("AWS_CA_BUNDLE");
            env.put("RCLONE_CONFIG_BENCH_TYPE", "s3");
            env.put("RCLONE_CONFIG_BENCH_PROVIDER", "Other");
            env.put("RCLONE_CONFIG_BENCH_ACCESS_KEY_ID", EmbeddedS3.ACCESS_KEY);
            env.put("RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY", EmbeddedS3.SECRET_KEY);
            env.put("RCLONE_CONFIG_BENCH_ENDPOINT", server.endpoint().toString());
            env.put("RCLONE_CONFIG_BENCH_REGION", "us-east-1");
            env.put("RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE", "true");
            long start = System.nanoTime();
            int rc = pb.start().waitFor();
            double seconds = (System.nanoTime() - start) / 1e9;
            if (rc != 0) {
                System.out.println(Files.readString(run.resolve("rclone.log")).lines().limit(20)
                        .reduce("", (a, l) -> a + "    " + l + "\n"));
            }
            long left = count(run.resolve("s3").resolve(BUCKET).resolve("incoming"));
            long moved = count(run.resolve("s3").resolve(BUCKET).resolve("processed"));
            System.out.printf("  rclone%s: exit %d, %,d files moved (%,d left) in %.1f s = %.0f files/s%n",
                    plain ? " (plain S3Proxy)" : "", rc, moved, left, seconds, moved / seconds);
            return moved / seconds;
        }
    }

    private static double list(Path run, int files, boolean plain) throws Exception {
        try (Server server = plain ? Server.plain(run.resolve("s3")) : Server.embedded(run.resolve("s3"))) {
            S3Client s3 = dev.s3loader.embedded.SdkClients.s3(server.endpoint(), EmbeddedS3.REGION,
                    EmbeddedS3.ACCESS_KEY, EmbeddedS3.SECRET_KEY).build();
            long start = System.nanoTime();
            long keys = 0;
            for (var page : s3.listObjectsV2Paginator(b -> b.bucket(BUCKET).prefix("incoming/"))) {
                keys += page.contents().size();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            s3.close();
            System.out.printf("  list%s: %,d keys in %.1f s = %.0f keys/s%n", plain ? " (plain S3Proxy)" : "", keys,
                    seconds, keys / seconds);
            return keys / seconds;
        }
    }

    /** An S3 server on the run's data: the embedded one, or S3Proxy as it comes. */
    private interface Server extends AutoCloseable {
        URI endpoint();

        @Override
        void close() throws Exception;

        static Server embedded(Path data) {
            EmbeddedS3 s3 = EmbeddedS3.onDisk(data, 0);
            return new Server() {
                public URI endpoint() {
                    return s3.endpoint();
                }

                public void close() {
                    s3.close();
                }
            };
        }

        static Server plain(Path data) throws Exception {
            S3Proxy proxy = S3Proxy.builder().blobStore(new FilesystemNio2BlobStore(data.toRealPath().toString()))
                    .endpoint(URI.create("http://127.0.0.1:0"))
                    .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, EmbeddedS3.ACCESS_KEY, EmbeddedS3.SECRET_KEY)
                    .ignoreUnknownHeaders(true).stopTimeout(0).build();
            proxy.start();
            while (!"STARTED".equals(proxy.getState())) {
                Thread.sleep(10);
            }
            URI endpoint = URI.create("http://127.0.0.1:" + proxy.getPort());
            return new Server() {
                public URI endpoint() {
                    return endpoint;
                }

                public void close() throws Exception {
                    proxy.stop();
                }
            };
        }
    }

    private static long count(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }

    private static void copyTree(Path from, Path to) throws Exception {
        int rc = new ProcessBuilder("cp", "-a", from.toString(), to.toString()).inheritIO().start().waitFor();
        if (rc != 0) {
            throw new IllegalStateException("cp -a failed: " + rc);
        }
        Files.deleteIfExists(to.resolve(".seeded"));
    }

    private static void delete(Path p) throws Exception {
        if (Files.exists(p)) {
            new ProcessBuilder("rm", "-rf", p.toString()).inheritIO().start().waitFor();
        }
    }

    private static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        s.sort(null);
        return s.get(s.size() / 2);
    }
}
