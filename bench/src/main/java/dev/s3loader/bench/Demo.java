package dev.s3loader.bench;

import dev.s3loader.lister.Backlog;
import dev.s3loader.local.InvariantCheck;
import dev.s3loader.local.LocalRuntime;
import dev.s3loader.local.SampleSet;
import dev.s3loader.local.SampleSet.SampleFile;
import dev.s3loader.model.Layout;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.EncodingType;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * scripts/demo: the whole pipeline on one machine. Starts the local servers, drops the sample set
 * into incoming/ while the lister and the loader fleet run, shows progress, and ends with a
 * summary and the invariant checks; the exit status is non-zero if an invariant is broken.
 */
public final class Demo {
    /** Held so the level set on it lasts: JUL keeps loggers only weakly. */
    private static final java.util.logging.Logger S3LOADER_LOGS = java.util.logging.Logger.getLogger("dev.s3loader");

    private Demo() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> env = new HashMap<>(System.getenv());
        if (!"true".equals(env.get("DEMO_VERBOSE"))) {
            // The progress line is the demo's display; per-batch logs would bury it. Warnings still show.
            S3LOADER_LOGS.setLevel(java.util.logging.Level.WARNING);
        }
        int files = Integer.parseInt(env.getOrDefault("DEMO_FILES", "1000"));
        int rows = Integer.parseInt(env.getOrDefault("DEMO_ROWS_PER_FILE", "20"));
        Duration timeout = Duration.ofSeconds(Long.parseLong(env.getOrDefault("DEMO_TIMEOUT_SECONDS", "300")));
        Map<String, String> overrides = new HashMap<>();
        for (String k : List.of("BATCH_SIZE", "POLLERS", "MOVE_CONCURRENCY", "MAX_IN_FLIGHT_FILES", "DESTINATION",
                "MAX_CONCURRENCY")) {
            if (env.containsKey(k)) {
                overrides.put(k, env.get(k));
            }
        }
        overrides.putIfAbsent("BATCH_SIZE", "10");
        overrides.putIfAbsent("DESTINATION", "postgres");
        overrides.putIfAbsent("MAX_CONCURRENCY", "4");
        Path work = Files.createTempDirectory("s3loader-demo");
        PrintStream out = System.out;
        out.printf("s3loader demo: %d files (+%d awkward keys, 1 empty, 1 malformed, 1 unprocessable), X=%s, %s pollers,"
                        + " destination %s%n", files, SampleSet.AWKWARD_KEYS.size(), overrides.get("BATCH_SIZE"),
                overrides.getOrDefault("POLLERS", "4"), overrides.get("DESTINATION"));
        int status;
        try (LocalRuntime rt = new LocalRuntime(new LocalRuntime.Options(work.resolve("data"), 0, 0, 0, "s3loader-demo",
                Duration.ofSeconds(2), work.resolve("metrics")), overrides)) {
            out.printf("S3 %s  SQS %s%s  data %s%n", rt.s3Server().endpoint(), rt.sqsServer().endpoint(),
                    rt.postgres().map(pg -> "  PostgreSQL " + pg.jdbcUrl()).orElse(""), work);
            status = run(rt, SampleSet.generate(files, rows), timeout, out);
        } finally {
            deleteTree(work);
        }
        System.exit(status);
    }

    static int run(LocalRuntime rt, List<SampleFile> sample, Duration timeout, PrintStream out) throws Exception {
        Layout layout = rt.loaderConfig().layout();
        S3Client s3 = rt.s3();
        long started = System.nanoTime();
        Map<String, String> dropped = new ConcurrentHashMap<>();
        // Enough producers that the drop (about 200 PUTs/s here) is not what the demo's files/s measures.
        ExecutorService producers = Executors.newFixedThreadPool(16);
        List<Future<?>> puts = sample.stream().<Future<?>>map(f -> producers.submit(() -> {
            String key = layout.incoming() + f.relativeKey();
            s3.putObject(b -> b.bucket(rt.bucket()).key(key), RequestBody.fromBytes(f.content()));
            dropped.put(key, InvariantCheck.sha256(f.content()));
        })).toList();
        for (Future<?> p : puts) {
            p.get();
        }
        producers.shutdown();
        out.printf("dropped %d files in %.1fs%n", dropped.size(), (System.nanoTime() - started) / 1e9);

        long deadline = System.nanoTime() + timeout.toNanos();
        int left;
        do {
            Thread.sleep(1000);
            left = count(s3, rt.bucket(), layout.incoming());
            Backlog b = rt.pipeline().lastBacklog();
            int done = count(s3, rt.bucket(), layout.processed());
            double secs = (System.nanoTime() - started) / 1e9;
            out.printf("[%5.1fs] incoming %d | processed %d | failed %d | backlog %s | in flight %s | enqueued %s | %.0f files/s%n",
                    secs, left, done, countFailedFiles(s3, rt.bucket(), layout.failed()),
                    b == null ? "-" : b.files(), b == null ? "-" : b.inFlight(), b == null ? "-" : b.enqueued(),
                    (sample.size() - left) / secs);
        } while (left > 0 && System.nanoTime() < deadline);
        double seconds = (System.nanoTime() - started) / 1e9;

        InvariantCheck.Result r = new InvariantCheck(s3, rt.bucket(), layout).check(dropped);
        String dlq = rt.sqs().getQueueAttributes(b -> b.queueUrl(rt.queues().deadLetterQueueUrl())
                .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)).attributes()
                .get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES);
        out.println();
        out.println("== summary");
        out.printf("files dropped      %d%n", dropped.size());
        out.printf("processed/         %d%n", r.processed());
        out.printf("failed/            %d%n", r.failed());
        out.printf("left in incoming/  %d%n", r.incoming());
        out.printf("dead-letter queue  %s%n", dlq);
        out.printf("seconds            %.1f%n", seconds);
        out.printf("files/s            %.1f%n", (r.processed() + r.failed()) / seconds);
        out.printf("invariant 1 (no loss)      %s%n", r.violations().stream().anyMatch(v -> v.startsWith("invariant 1")) ? "BROKEN" : "holds");
        out.printf("invariant 6 (keys as data) %s%n", r.violations().stream().anyMatch(v -> v.startsWith("invariant 6")) ? "BROKEN" : "holds");
        r.violations().stream().limit(20).forEach(v -> out.println("  " + v));
        boolean rowsOk = rt.postgres().map(pg -> RowCheck.print(pg, sample, layout, s3, rt.bucket(), out)).orElse(true);
        boolean drained = r.incoming() == 0;
        if (!drained) {
            out.printf("incoming/ did not drain within %ds%n", timeout.toSeconds());
        }
        boolean audited = audit(rt, out);
        return r.holds() && drained && rowsOk && audited ? 0 : 1;
    }

    /**
     * The same check a user runs on a live bucket ({@code scripts/audit}), against the demo's
     * servers; the ledger is audited too (postgres over JDBC, redshift through the local Data API).
     */
    static boolean audit(LocalRuntime rt, PrintStream out) {
        List<String> args = new java.util.ArrayList<>(List.of("audit", "--local", "--bucket", rt.bucket(),
                "--s3-endpoint", rt.s3Server().endpoint().toString(), "--keys", "5"));
        if (rt.loaderConfig().destination() == dev.s3loader.model.DestinationKind.POSTGRES) {
            rt.postgres().ifPresent(pg -> args.addAll(List.of("--destination", "postgres", "--db-url", pg.jdbcUrl(),
                    "--db-user", pg.user())));
        } else if (rt.loaderConfig().destination() == dev.s3loader.model.DestinationKind.REDSHIFT) {
            rt.redshift().ifPresent(rs -> args.addAll(List.of("--destination", "redshift", "--redshift-endpoint",
                    rs.endpoint().toString())));
        } else {
            args.addAll(List.of("--destination", "copy"));
        }
        out.println();
        out.println("== scripts/audit");
        int status = dev.s3loader.ops.S3LoaderCommand.run(args.toArray(String[]::new), rt.env(), out, System.err);
        return status == 0;
    }

    private static int count(S3Client s3, String bucket, String prefix) {
        return count(s3, bucket, prefix, key -> true);
    }

    /** Files in failed/, not counting their .error.json reports. */
    private static int countFailedFiles(S3Client s3, String bucket, String prefix) {
        return count(s3, bucket, prefix, key -> !key.endsWith(".error.json"));
    }

    private static int count(S3Client s3, String bucket, String prefix, java.util.function.Predicate<String> counted) {
        int n = 0;
        for (var o : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)
                .encodingType(EncodingType.URL)).contents()) {
            n += counted.test(o.key()) ? 1 : 0;
        }
        return n;
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
