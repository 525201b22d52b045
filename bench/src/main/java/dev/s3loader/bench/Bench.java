package dev.s3loader.bench;

import dev.s3loader.embedded.EmbeddedS3;
import dev.s3loader.local.LocalRuntime;
import dev.s3loader.model.DestinationKind;
import dev.s3loader.model.ListerConfig;
import dev.s3loader.model.LoaderConfig;
import dev.s3loader.model.PollerConfig;
import dev.s3loader.ops.Progress;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * scripts/bench: seeds the local stack's S3 server, drains the backlog with the pipeline (the
 * production lister, queue and loader), then moves the same seeded data on the same server with the
 * peers (a bare SDK v2 loop, rclone, psql), and reports files/s, MB/s, latency, the requests the
 * pipeline made per file and their cost. Prints and writes figures; asserts nothing about speed.
 */
public final class Bench {
    static final String BUCKET = "s3loader-bench";
    static final String SDK_BUCKET = "peer-sdk";
    static final String RCLONE_BUCKET = "peer-rclone";
    static final String LARGE_BUCKET = "bench-large";
    /** The large file's row that times the loader alone, from its batch's start. */
    static final String LOADER_ONLY = "s3loader loader";
    static final String LARGE_KEY = "big.bin";
    static final String LARGE_INCOMING = "incoming/large/big.bin";
    static final String MARKER = ".s3loader-bench";
    /** Held so the level set on it lasts: JUL keeps loggers only weakly. */
    private static final Logger S3LOADER_LOGS = Logger.getLogger("dev.s3loader");

    private final BenchOptions options;
    private final PrintStream out;
    private final Map<String, String> environment;
    private final List<String> notes = new ArrayList<>();

    public Bench(BenchOptions options, PrintStream out, Map<String, String> environment) {
        this.options = options;
        this.out = out;
        this.environment = environment;
    }

    public static void main(String[] args) {
        if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
            System.out.print(BenchOptions.USAGE);
            return;
        }
        BenchOptions options;
        try {
            options = BenchOptions.parse(args, System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("scripts/bench: " + e.getMessage());
            System.err.print(BenchOptions.USAGE);
            System.exit(2);
            return;
        }
        if (!"true".equals(System.getenv("BENCH_VERBOSE"))) {
            // The progress line is the display; per-batch logs would bury it. Warnings still show.
            S3LOADER_LOGS.setLevel(Level.WARNING);
        }
        String command = "scripts/bench " + String.join(" ", args);
        BenchResult result = new Bench(options, System.out, System.getenv()).run(command.trim());
        BenchReport.print(result, System.out);
        BenchReport.write(result, options.out());
        System.out.println("wrote " + options.out().resolve("bench.json") + " and " + options.out().resolve("backlog.svg"));
        System.exit(0);
    }

    public BenchResult run(String command) {
        Instant startedAt = Instant.now();
        Path data = prepareDataDir(options.dataDir());
        boolean copy = options.destination() == DestinationKind.COPY;
        Optional<String> rclone = options.peers().contains("rclone") ? RclonePeer.version(options.rclone()) : Optional.empty();
        if (options.peers().contains("rclone") && rclone.isEmpty()) {
            warn(RclonePeer.MISSING);
        }
        Optional<String> psql = Optional.empty();
        if (options.peers().contains("psql")) {
            if (copy) {
                notes.add("psql \\copy runs only with --destination postgres");
            } else {
                psql = PsqlPeer.version(options.psql());
                if (psql.isEmpty()) {
                    warn(PsqlPeer.MISSING);
                }
            }
        }
        long large = copy ? options.largeBytes() : 0;
        if (!copy && options.largeBytes() > 0) {
            notes.add("the large-file run is a copy-destination figure; skipped with --destination postgres");
        }
        boolean sdk = options.peers().contains("sdk");
        SeedFiles files = new SeedFiles(options.files(), options.fileBytes(), options.destination());

        Map<String, Object> seeding = new LinkedHashMap<>();
        long seededBytes = seed(data, files, sdk, rclone.isPresent(), large, seeding);

        RequestMeter meter = new RequestMeter();
        PipelineWatch watch = new PipelineWatch();
        List<BacklogTrace> traces = new ArrayList<>();
        List<Mover> movers = new ArrayList<>();
        List<Mover> largeCopies = new ArrayList<>();
        Map<String, Object> verified = new LinkedHashMap<>();
        Map<String, String> overrides = overrides();
        Path metrics = options.out().resolve("metrics");
        BacklogTrace pipelineTrace = new BacklogTrace("s3loader " + name(options.destination()));
        traces.add(pipelineTrace);
        Progress pipelineProgress = Progress.onStderr("s3loader " + name(options.destination()), files.count());
        watch.begin(files.count(), pipelineProgress);
        Map<String, String> settings;
        // The clock and the request count start together, after the servers are up and before the
        // pipeline's first request (taken after the constructor, a fast first lister run was missed).
        long[] startNanos = new long[1];
        AtomicReference<Map<String, Long>> atStart = new AtomicReference<>();
        try (LocalRuntime rt = new LocalRuntime(new LocalRuntime.Options(data, 0, 0, 0, BUCKET, options.listInterval(), metrics),
                overrides, watch, List.of(meter), () -> {
                    startNanos[0] = System.nanoTime();
                    watch.startClock();
                    atStart.set(meter.snapshot());
                });
             S3Client control = controlClient(rt.s3Server())) {
            long start = startNanos[0];
            Map<String, Long> before = atStart.get();
            settings = settings(rt);
            try (ProgressSampler sampler = new ProgressSampler(pipelineTrace, start, () -> files.count() - watch.moved())) {
                awaitDrained(watch, control, start, options.timeout());
            } finally {
                pipelineProgress.close();
            }
            double seconds = (watch.doneNanos() - start) / 1e9;
            pipelineTrace.finish(seconds, 0);
            Map<String, Long> requests = RequestMeter.minus(meter.snapshot(), before);
            long rows = copy ? 0 : (long) files.count() * files.rowsPerFile();
            movers.add(new Mover("s3loader " + name(options.destination()),
                    "LIST_INTERVAL_SECONDS=" + options.listInterval().toSeconds() + " " + settingsLine(settings),
                    watch.moved(), seededBytes, rows, seconds, watch.latency().percentile(0.50),
                    watch.latency().percentile(0.99), requests));
            verified.put("incoming", count(control, BUCKET, "incoming/"));
            verified.put("processed", count(control, BUCKET, "processed/"));
            verified.put("failed", count(control, BUCKET, "failed/"));
            rt.postgres().ifPresent(pg -> verified.put("rowsLoaded", rows(pg, rt.env().get("DB_TABLE"))));

            if (sdk) {
                movers.add(sdkLoop(rt, control, files.count(), seededBytes, traces, verified));
            }
            if (rclone.isPresent()) {
                movers.add(rcloneMove(rt, control, files.count(), seededBytes, traces, verified, rclone.get()));
            }
            if (psql.isPresent() && rt.postgres().isPresent()) {
                out.println("psql \\copy of the same files (one session)…");
                PsqlPeer.Result r = new PsqlPeer(options.psql(), rt.postgres().get())
                        .load(files, data.resolve("psql"), rt.env().get("DB_TABLE"));
                movers.add(new Mover("psql \\copy", psql.get() + ", one session, files on local disk", files.count(),
                        seededBytes, r.rows(), r.seconds(), -1, -1, null));
                verified.put("psqlRows", r.rows());
            }
            // Last, so that a large file the pipeline cannot move does not disturb the small-file figures.
            if (large > 0) {
                largeCopies.addAll(largeRun(rt, control, meter, watch, large, rclone.isPresent()));
            }
        } finally {
            if (!options.keepData()) {
                deleteTree(data);
            }
        }
        return new BenchResult(command, startedAt, options, settings, seeding, movers, largeCopies, verified, traces, notes,
                rclone.orElse(null), psql.orElse(null));
    }

    /**
     * Seeds through a server of its own on the data folder, closed before the pipeline starts, so
     * that every file is already waiting when it does. Returns the bytes of one seeded set.
     */
    private long seed(Path data, SeedFiles files, boolean sdk, boolean rclone, long large, Map<String, Object> seeding) {
        out.printf("seeding %,d files of %,d B (%d parallel PUTs) into %s%s%s%s…%n", files.count(), options.fileBytes(),
                options.threads(), BUCKET, sdk ? ", " + SDK_BUCKET : "", rclone ? ", " + RCLONE_BUCKET : "",
                large > 0 ? " and one file of " + human(large) : "");
        try (EmbeddedS3 server = EmbeddedS3.onDisk(data.resolve("s3"), 0); S3Client control = controlClient(server)) {
            Seeder seeder = new Seeder(control, options.threads());
            for (String b : List.of(BUCKET, SDK_BUCKET, RCLONE_BUCKET, LARGE_BUCKET)) {
                server.createBucket(b);
            }
            Seeder.Seeded s = seeder.seed(BUCKET, "incoming/", files, "seed " + BUCKET);
            seeding.put("filesPerSecond", files.count() / s.seconds());
            if (sdk) {
                seeder.seed(SDK_BUCKET, "incoming/", files, "seed " + SDK_BUCKET);
            }
            if (rclone) {
                seeder.seed(RCLONE_BUCKET, "incoming/", files, "seed " + RCLONE_BUCKET);
            }
            if (large > 0) {
                seeding.put("largePutSeconds", seeder.seedLarge(LARGE_BUCKET, LARGE_KEY, large));
            }
            return s.bytes();
        }
    }

    private List<Mover> largeRun(LocalRuntime rt, S3Client control, RequestMeter meter, PipelineWatch watch, long large,
                                 boolean rclone) {
        List<Mover> copies = new ArrayList<>();
        out.printf("large file: %s into incoming/ (a server-side copy), then the pipeline moves it…%n", human(large));
        Map<String, Long> before = meter.snapshot();
        watch.begin(1, Progress.silent());
        control.copyObject(b -> b.sourceBucket(LARGE_BUCKET).sourceKey(LARGE_KEY).destinationBucket(BUCKET)
                .destinationKey(LARGE_INCOMING));
        long dropped = System.nanoTime();
        // Its own bound (10 minutes plus a second per 5 MB): a file the pipeline cannot move is a finding, not a hang.
        Duration bound = Duration.ofSeconds(600 + large / 5_000_000);
        try {
            awaitDrained(watch, control, dropped, bound);
            double seconds = (watch.doneNanos() - dropped) / 1e9;
            copies.add(new Mover("s3loader " + name(options.destination()), "drop → processed/, lister interval included",
                    1, large, 0, seconds, -1, -1, RequestMeter.minus(meter.snapshot(), before)));
            // The loader's own copy, without the wait for the lister's next run and the queue: the figure
            // to set beside a copy tool's, which is handed its file at once.
            if (watch.firstReceivedNanos() != 0) {
                copies.add(new Mover(LOADER_ONLY, "loader's batch start → processed/", 1, large, 0,
                        (watch.doneNanos() - watch.firstReceivedNanos()) / 1e9, -1, -1, null));
            }
        } catch (IllegalStateException e) {
            warn("s3loader did not move the " + human(large) + " file within " + bound.toSeconds() + " s: " + e.getMessage());
            copies.add(new Mover("s3loader " + name(options.destination()) + " (did not finish)", "drop → processed/",
                    0, large, 0, Double.NaN, -1, -1, RequestMeter.minus(meter.snapshot(), before)));
        }
        // The peers copy the seeded original: the same bytes, whether or not the pipeline moved its copy.
        long t = System.nanoTime();
        control.copyObject(b -> b.sourceBucket(LARGE_BUCKET).sourceKey(LARGE_KEY).destinationBucket(LARGE_BUCKET)
                .destinationKey("sdk-copy.bin"));
        copies.add(new Mover("SDK CopyObject", "one CopyObject request", 1, large, 0, (System.nanoTime() - t) / 1e9, -1, -1,
                null));
        if (rclone) {
            double r = new RclonePeer(options.rclone(), rt.s3Server(), options.threads())
                    .copy(LARGE_BUCKET + "/" + LARGE_KEY, LARGE_BUCKET + "/rclone-copy.bin");
            copies.add(new Mover("rclone copyto", "rclone copyto (server-side copy)", 1, large, 0, r, -1, -1, null));
        }
        return copies;
    }

    private Mover sdkLoop(LocalRuntime rt, S3Client control, int n, long bytes, List<BacklogTrace> traces,
                          Map<String, Object> verified) {
        RequestMeter sdkMeter = new RequestMeter();
        BacklogTrace trace = new BacklogTrace("SDK v2 loop, " + options.threads() + " threads");
        traces.add(trace);
        // The project's own client settings (HTTP client, retries), as the pipeline has them, plus the meter.
        var builder = rt.s3Server().newClientBuilder();
        builder.overrideConfiguration(builder.overrideConfiguration().toBuilder().addExecutionInterceptor(sdkMeter).build());
        try (S3Client metered = builder.build()) {
            SdkLoopPeer.Result r = new SdkLoopPeer(metered, options.threads()).move(SDK_BUCKET, n, trace);
            verified.put("sdkProcessed", count(control, SDK_BUCKET, "processed/"));
            verified.put("sdkIncoming", count(control, SDK_BUCKET, "incoming/"));
            return new Mover("SDK v2 loop", options.threads() + " threads, CopyObject + DeleteObject", r.moved(), bytes, 0,
                    r.seconds(), r.latency().percentile(0.50), r.latency().percentile(0.99), sdkMeter.snapshot());
        }
    }

    private Mover rcloneMove(LocalRuntime rt, S3Client control, int n, long bytes, List<BacklogTrace> traces,
                             Map<String, Object> verified, String version) {
        BacklogTrace trace = new BacklogTrace("rclone move");
        traces.add(trace);
        out.println("rclone move (" + version + ")…");
        RclonePeer.Result r = new RclonePeer(options.rclone(), rt.s3Server(), options.threads()).move(RCLONE_BUCKET, n, trace);
        long processed = count(control, RCLONE_BUCKET, "processed/");
        verified.put("rcloneProcessed", processed);
        verified.put("rcloneIncoming", count(control, RCLONE_BUCKET, "incoming/"));
        return new Mover("rclone move", String.join(" ", r.command().subList(1, r.command().size())) + " (" + version + ")",
                processed, bytes, 0, r.seconds(), r.latency().percentile(0.50), r.latency().percentile(0.99), null);
    }

    /** Waits for the watch's count, then for incoming/ to be listed empty (one listing, after the clock stopped). */
    private void awaitDrained(PipelineWatch watch, S3Client control, long start, Duration timeout) {
        long deadline = start + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (watch.reachedExpected() && count(control, BUCKET, "incoming/") == 0) {
                return;
            }
            sleep(watch.reachedExpected() ? Duration.ofSeconds(2) : Duration.ofMillis(500));
        }
        throw new IllegalStateException("the pipeline did not drain incoming/ within " + timeout.toSeconds()
                + " s (moved " + watch.moved() + "); see " + options.out().resolve("metrics") + " and --timeout");
    }

    /** The pipeline's variables: the bench's own, then whatever the caller exported (BATCH_SIZE, POLLERS, …). */
    private Map<String, String> overrides() {
        Map<String, String> o = new HashMap<>();
        o.put("DESTINATION", name(options.destination()));
        environment.forEach((k, v) -> {
            if (!k.startsWith("AWS_") && !k.equals("DESTINATION") && !k.equals("BUCKET")
                    && (LoaderConfig.VARIABLES.containsKey(k) || ListerConfig.VARIABLES.containsKey(k)
                    || PollerConfig.VARIABLES.containsKey(k))) {
                o.put(k, v);
            }
        });
        return o;
    }

    private static Map<String, String> settings(LocalRuntime rt) {
        Map<String, String> s = new TreeMap<>();
        PollerConfig p = PollerConfig.fromEnv(rt.env());
        s.put("BATCH_SIZE", Integer.toString(p.batchSize()));
        s.put("POLLERS", Integer.toString(p.pollers()));
        s.put("MOVE_CONCURRENCY", Integer.toString(rt.loaderConfig().moveConcurrency()));
        rt.env().forEach((k, v) -> {
            if (!k.endsWith("URL") && !k.contains("PASSWORD") && !k.equals("BUCKET") && !k.startsWith("DB_")) {
                s.putIfAbsent(k, v);
            }
        });
        return s;
    }

    private static String settingsLine(Map<String, String> settings) {
        return "BATCH_SIZE=" + settings.get("BATCH_SIZE") + " POLLERS=" + settings.get("POLLERS") + " MOVE_CONCURRENCY="
                + settings.get("MOVE_CONCURRENCY");
    }

    static long count(S3Client s3, String bucket, String prefix) {
        long n = 0;
        for (S3Object ignored : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents()) {
            n++;
        }
        return n;
    }

    private static long rows(dev.s3loader.embedded.EmbeddedPostgres pg, String table) {
        try (Connection c = pg.connect(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT count(*) FROM " + table)) {
            r.next();
            return r.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot count " + table + ": " + e.getMessage(), e);
        }
    }

    /** The bench's own client for seeding and checking: not metered, and patient with a multi-GiB copy. */
    static S3Client controlClient(EmbeddedS3 server) {
        return server.newClientBuilder()
                .httpClient(UrlConnectionHttpClient.builder().socketTimeout(Duration.ofMinutes(30)).build())
                .build();
    }

    private Path prepareDataDir(Path data) {
        try {
            if (Files.exists(data)) {
                boolean empty;
                try (var entries = Files.list(data)) {
                    empty = entries.findAny().isEmpty();
                }
                if (!empty && !Files.exists(data.resolve(MARKER))) {
                    throw new IllegalArgumentException("--data-dir " + data + " is not empty and not a bench data folder;"
                            + " the bench starts from an empty one and deletes it afterwards");
                }
                deleteTree(data);
            }
            Files.createDirectories(data);
            Files.writeString(data.resolve(MARKER), "scripts/bench data; deleted after the run unless --keep-data\n");
            return data;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + data, e);
        }
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root, e);
        }
    }

    private void warn(String message) {
        System.err.println("scripts/bench: " + message);
        notes.add(message);
    }

    static String name(DestinationKind d) {
        return d.name().toLowerCase(java.util.Locale.ROOT);
    }

    static String human(long bytes) {
        if (bytes >= 1L << 30 && bytes % (1L << 30) == 0) {
            return (bytes >> 30) + " GiB";
        }
        if (bytes >= 1L << 20) {
            return String.format(java.util.Locale.ROOT, "%.0f MiB", bytes / (double) (1L << 20));
        }
        return bytes + " B";
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
