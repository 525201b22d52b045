package dev.s3loader.local.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3loader.embedded.EmbeddedPostgres;
import dev.s3loader.embedded.EmbeddedSqs;
import dev.s3loader.embedded.FreePort;
import dev.s3loader.embedded.SharedServers;
import dev.s3loader.lister.ListerService;
import dev.s3loader.lister.ListerWiring;
import dev.s3loader.loader.Step;
import dev.s3loader.loader.StepHook;
import dev.s3loader.model.ListerConfig;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * The fault suite: each scenario runs the local stack (the production lister and loader fleet in
 * {@code LocalPipeline}, the embedded S3, SQS and PostgreSQL servers), drops its files, injects
 * its faults while they flow, waits until nothing is left to do, and ends with {@link FinalCheck}:
 * 0 lost, 0 duplicated, every invariant holding, and more than 0 faults really injected.
 *
 * <p>Short form by default (a few hundred files per scenario, part of {@code scripts/test});
 * {@code scripts/faults} runs the long form (2,000 files or more per scenario). The seed of every
 * random choice is printed; {@code S3LOADER_FAULT_SEED} repeats a run. Real-process kills are in
 * {@link ProcessKillTest}.
 */
@Execution(ExecutionMode.CONCURRENT) // two scenarios at a time: each has its own bucket, queue and database
class FaultSuiteTest {
    static final Duration DRAIN_LIMIT = Duration.ofMinutes(15);
    static final long SEED = FaultSize.seed();

    @TempDir
    Path temp;

    /** Held so the level sticks: the per-batch INFO lines of thousands of batches would bury the table. */
    static final java.util.logging.Logger QUIET = java.util.logging.Logger.getLogger("dev.s3loader");

    @BeforeAll
    static void announce() {
        QUIET.setLevel(java.util.logging.Level.WARNING);
        System.out.println("fault suite: " + FaultSize.files() + " files per scenario, seed " + SEED
                + " (repeat with S3LOADER_FAULT_SEED=" + SEED + ")");
        // A killed in-process worker ends its thread with KillAt.WorkerDeath: one line, not a stack trace.
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> System.err.println(t.getName() + " died: " + e));
    }

    // ---- the scenarios -------------------------------------------------------------------------

    @Test
    void loaderKilledAtEveryStepBoundary_redeliveryFinishesExactlyOnce(TestInfo test) {
        Random random = random(test);
        try (Stack stack = stack("step-kills", List.of(), List.of(), Map.of())) {
            long started = System.nanoTime();
            dropHealthy(stack, FaultSize.files(), random);
            List<String> kills = new ArrayList<>();
            int rounds = FaultSize.pick(1, 3);
            for (int round = 0; round < rounds; round++) {
                for (Step step : Step.values()) {
                    KillAt hook = new KillAt(step, 1 + random.nextInt(3));
                    stack.start(hook);
                    waitUntil(() -> hook.fired() || stack.drained(), DRAIN_LIMIT);
                    stack.stop();
                    if (hook.fired()) {
                        kills.add(step.name());
                    }
                }
            }
            stack.start(StepHook.NONE);
            finish(stack, "loader killed at each step", kills.size(), "killed at " + String.join(",", kills), started);
            assertThat(kills).as("one kill at each step boundary, each round")
                    .hasSize(Step.values().length * rounds);
        }
    }

    @Test
    void everyMessageTwice_andMessagesAfterTheirFilesWereProcessed_changeNothing(TestInfo test) {
        Random random = random(test);
        Doubler doubler = new Doubler();
        try (Stack stack = stack("duplicates", List.of(), List.of(doubler), Map.of())) {
            doubler.sqs = stack.sqsServer().newClient();
            long started = System.nanoTime();
            dropHealthy(stack, FaultSize.files(), random);
            stack.start(StepHook.NONE);
            stack.awaitDrained(DRAIN_LIMIT);
            int late = doubler.sendAllAgain(stack.queueUrl());
            finish(stack, "every message twice, then late", doubler.doubled.get() + late,
                    doubler.doubled.get() + " messages sent twice, " + late + " sent after their file was processed",
                    started);
            assertThat(doubler.doubled.get()).as("every dispatched message was sent twice").isGreaterThanOrEqualTo(
                    FaultSize.files());
            doubler.sqs.close();
        }
    }

    @Test
    void filesOverwrittenDeletedAndReDroppedWhileInFlight_eachVersionLoadsAtMostOnce(TestInfo test) {
        Random random = random(test);
        try (Stack stack = stack("overwrite-delete-redrop", List.of(), List.of(), Map.of())) {
            long started = System.nanoTime();
            dropHealthy(stack, FaultSize.files(), random);
            stack.start(StepHook.NONE);
            int changes = Math.max(30, FaultSize.files() / 8);
            AtomicInteger overwritten = new AtomicInteger();
            AtomicInteger deleted = new AtomicInteger();
            AtomicInteger redropped = new AtomicInteger();
            List<String> keys = stack.dropped.keys();
            for (int i = 0; i < changes; i++) {
                String key = keys.get(random.nextInt(keys.size()));
                switch (random.nextInt(3)) {
                    case 0 -> {
                        stack.dropped.csv(key, 1 + random.nextInt(4));
                        overwritten.incrementAndGet();
                    }
                    case 1 -> {
                        stack.dropped.delete(key);
                        deleted.incrementAndGet();
                    }
                    default -> {
                        stack.dropped.delete(key);
                        stack.dropped.csv(key, 1 + random.nextInt(4));
                        redropped.incrementAndGet();
                    }
                }
                if (i % 10 == 9) {
                    Stack.sleep(Duration.ofSeconds(1)); // spread the changes over the run
                }
            }
            finish(stack, "overwritten/deleted/re-dropped", changes, overwritten + " overwritten, " + deleted
                    + " deleted, " + redropped + " deleted and re-dropped", started);
        }
    }

    @Test
    void poisonFiles_endInFailedWithAReadableReason_andTheRestOfTheirBatchesLoad(TestInfo test) {
        Random random = random(test);
        try (Stack stack = stack("poison", List.of(), List.of(), Map.of())) {
            long started = System.nanoTime();
            int files = FaultSize.files();
            int every = Math.max(10, files / 60);
            int poison = 0;
            List<Dropped.Kind> kinds = List.of(Dropped.Kind.BINARY, Dropped.Kind.WRONG_ENCODING,
                    Dropped.Kind.VALUE_TOO_LONG, Dropped.Kind.NOT_GZIP, Dropped.Kind.HEADER_ONLY, Dropped.Kind.EMPTY);
            // Interleaved, so poison files share batches with healthy ones (the lister sends oldest first).
            for (int i = 0; i < files; i++) {
                if (i % every == every - 1) {
                    Dropped.Kind kind = kinds.get(poison % kinds.size());
                    dropPoison(stack, kind, "incoming/poison/" + kind.name().toLowerCase() + "-" + i, random);
                    poison++;
                } else {
                    stack.dropped.csv(healthyKey(i), 1 + random.nextInt(4));
                }
            }
            stack.start(StepHook.NONE);
            FinalCheck.Verdict v = finish(stack, "poison files", poison, poison + " poison files of "
                    + kinds.size() + " kinds", started);
            assertThat(v.failedReasons()).isNotEmpty();
            v.failedReasons().forEach((key, reason) -> {
                System.out.println("  " + key + " -> " + reason);
                String expect = key.contains("/binary-") ? "invalid byte sequence"
                        : key.contains("/wrong_encoding-") ? "invalid byte sequence"
                        : key.contains("/value_too_long-") ? "too long"
                        : key.contains("/not_gzip-") ? "gzip"
                        : key.contains("/header_only-") ? "holds no rows"
                        : key.contains("/empty-") ? "empty (0 bytes)" : "?";
                assertThat(reason).as("reason for " + key).containsIgnoringCase(expect);
            });
        }
    }

    @Test
    void s3AndSqsAnswer503Or500OnTenPercentOfCalls_theSdkRetriesAndNothingIsLostOrDoubled(TestInfo test) {
        Random random = random(test);
        FlakyResponses s3Faults = FlakyResponses.s3(0.10, random.nextLong());
        FlakyResponses sqsFaults = FlakyResponses.sqs(0.10, random.nextLong());
        try (Stack stack = stack("flaky-s3-sqs", List.of(s3Faults), List.of(sqsFaults), Map.of())) {
            long started = System.nanoTime();
            dropHealthy(stack, FaultSize.files(), random);
            stack.start(StepHook.NONE);
            stack.awaitDrained(DRAIN_LIMIT);
            s3Faults.stop();
            sqsFaults.stop();
            finish(stack, "S3+SQS 503/500 on 10% of calls", s3Faults.injected() + sqsFaults.injected(),
                    s3Faults.injected() + " S3 and " + sqsFaults.injected() + " SQS responses replaced", started);
            assertThat(s3Faults.injected()).isPositive();
            assertThat(sqsFaults.injected()).isPositive();
        }
    }

    @Test
    void listerKilledMidRun_theNextRunSendsWhatWasNotRecorded(TestInfo test) {
        Random random = random(test);
        ListerKiller killer = new ListerKiller(random.nextLong(), FaultSize.pick(3, 8));
        try (Stack stack = stack("lister-killed", List.of(killer), List.of(killer),
                Map.of("MAX_IN_FLIGHT_FILES", Integer.toString(Math.max(50, FaultSize.files() / 10))))) {
            long started = System.nanoTime();
            dropHealthy(stack, FaultSize.files(), random);
            stack.start(StepHook.NONE);
            long deadline = System.nanoTime() + DRAIN_LIMIT.toNanos();
            int seen = 0;
            int waves = 0;
            while (!(killer.exhausted() && stack.drained()) && System.nanoTime() < deadline) {
                if (!killer.exhausted() && stack.drained()) { // work ran out before the kills did: more files
                    dropHealthy(stack, Math.max(50, FaultSize.files() / 10), random);
                    waves++;
                }
                if (killer.kills() > seen) {
                    seen = killer.kills();
                    stack.stop(); // the lister is dead: restart the runtime, as an operator (or Lambda) would
                    killer.revive();
                    stack.start(StepHook.NONE);
                }
                Stack.sleep(Duration.ofSeconds(1));
            }
            finish(stack, "lister killed mid-run", killer.kills(), killer.kills() + " lister runs killed ("
                    + killer.describe() + ")" + (waves > 0 ? ", " + waves + " extra waves of files" : ""), started);
            assertThat(killer.exhausted()).as("every planned lister kill happened").isTrue();
        }
    }

    @Test
    void twoListersAtOnce_andTheStateObjectDeletedOrCorruptedMidRun(TestInfo test) {
        Random random = random(test);
        try (Stack stack = stack("two-listers-state", List.of(), List.of(), Map.of())) {
            long started = System.nanoTime();
            dropHealthy(stack, FaultSize.files(), random);
            stack.start(StepHook.NONE);
            ListerConfig config = ListerConfig.fromEnv(stack.env());
            SqsClient sqs = stack.sqsServer().newClient();
            ListerService second = ListerWiring.service(config, stack.s3, sqs,
                    ListerWiring.metricsLogPublisher(temp.resolve("second-lister.log"), stack.clock), stack.clock);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger secondRuns = new AtomicInteger();
            AtomicInteger conflicts = new AtomicInteger();
            Thread other = Thread.ofPlatform().name("second-lister").start(() -> {
                while (!stop.get()) {
                    try {
                        second.runOnce();
                        secondRuns.incrementAndGet();
                    } catch (ListerService.StateConflictException e) {
                        conflicts.incrementAndGet();
                    } catch (RuntimeException e) {
                        System.err.println("second lister: " + e);
                    }
                }
            });
            int deletes = 0;
            int corruptions = 0;
            String stateKey = config.layout().listerStateKey();
            while (!stack.drained() || deletes + corruptions < 4) {
                Stack.sleep(Duration.ofSeconds(1 + random.nextInt(2)));
                if (random.nextBoolean()) {
                    stack.s3.deleteObject(b -> b.bucket(stack.bucket).key(stateKey));
                    deletes++;
                } else {
                    byte[] junk = new byte[1 + random.nextInt(512)];
                    random.nextBytes(junk);
                    stack.s3.putObject(b -> b.bucket(stack.bucket).key(stateKey), RequestBody.fromBytes(junk));
                    corruptions++;
                }
            }
            stop.set(true);
            join(other);
            sqs.close();
            finish(stack, "two listers; state deleted/corrupt", deletes + corruptions + secondRuns.get(),
                    secondRuns.get() + " runs of a second lister (" + conflicts.get() + " state conflicts), state "
                            + deletes + "x deleted, " + corruptions + "x corrupted", started);
            assertThat(secondRuns.get()).isPositive();
        }
    }

    @Test
    void databaseAndSqsServerRestartedMidRun_theWorkWaitsAndFinishesOnce(TestInfo test) throws Exception {
        Random random = random(test);
        int sqsPort = FreePort.orPick(0);
        int pgPort = FreePort.orPick(0);
        Path pgData = temp.resolve("postgres");
        AtomicReference<EmbeddedSqs> sqsServer = new AtomicReference<>(EmbeddedSqs.start(sqsPort));
        AtomicReference<EmbeddedPostgres> pg = new AtomicReference<>(EmbeddedPostgres.persistent(pgData, pgPort));
        try (Stack stack = new Stack("restarts", SharedServers.s3(), sqsServer::get, () -> pg.get().jdbcUrl(),
                temp.resolve("restarts"), List.of(), List.of(), Map.of())) {
            long started = System.nanoTime();
            int files = FaultSize.files();
            dropHealthy(stack, files, random);
            stack.start(StepHook.NONE);
            stack.awaitProcessed(files / 5, DRAIN_LIMIT);
            pg.get().close();
            Stack.sleep(Duration.ofSeconds(2 + random.nextInt(4)));
            pg.set(EmbeddedPostgres.persistent(pgData, pgPort));
            stack.awaitProcessed(files / 2, DRAIN_LIMIT);
            sqsServer.get().close();
            Stack.sleep(Duration.ofSeconds(2 + random.nextInt(4)));
            sqsServer.set(EmbeddedSqs.start(sqsPort));
            stack.createQueues(); // what a redeployed stack would do; the messages in flight are gone
            finish(stack, "database and SQS restarted", 2, "PostgreSQL restarted once, SQS restarted once"
                    + " (its messages lost)", started);
        } finally {
            sqsServer.get().close();
            pg.get().close();
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    private Stack stack(String name, List<ExecutionInterceptor> s3Faults, List<ExecutionInterceptor> sqsFaults,
                        Map<String, String> overrides) {
        String unique = name + "-" + Long.toHexString(System.nanoTime() & 0xffffff);
        String url = SharedServers.postgres().createDatabase(unique.replace('-', '_'));
        return new Stack(unique, SharedServers.s3(), SharedServers::sqs, () -> url, temp.resolve(name), s3Faults,
                sqsFaults, overrides);
    }

    static Random random(TestInfo test) {
        return new Random(SEED ^ test.getTestMethod().orElseThrow().getName().hashCode());
    }

    static String healthyKey(int i) {
        // Every 25th key is one that has broken loaders before: spaces, quotes, +, %, unicode.
        return i % 25 == 7 ? String.format("incoming/awkward/ü ñ+%%2F 'q\"%05d.csv", i)
                : String.format("incoming/2026/11/30/p%d/f%05d.csv", i % 7, i);
    }

    /** Drops {@code n} healthy CSV files of 1 to 4 rows, in parallel like a fleet of producers. */
    static void dropHealthy(Stack stack, int n, Random random) {
        int[] rows = new int[n];
        for (int i = 0; i < n; i++) {
            rows[i] = 1 + random.nextInt(4);
        }
        ExecutorService producers = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            int first = stack.dropped.fileCount(); // a later wave gets new keys
            for (int i = 0; i < n; i++) {
                int file = i;
                done.add(producers.submit(() -> stack.dropped.csv(healthyKey(first + file), rows[file])));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } catch (Exception e) {
            throw new IllegalStateException("dropping files failed", e);
        } finally {
            producers.shutdown();
        }
    }

    static void dropPoison(Stack stack, Dropped.Kind kind, String base, Random random) {
        long id = stack.dropped.reserveIds(3);
        byte[] header = Dropped.HEADER.getBytes(StandardCharsets.UTF_8);
        switch (kind) {
            case BINARY -> {
                byte[] junk = new byte[200 + random.nextInt(2000)];
                random.nextBytes(junk);
                junk[0] = 0; // a NUL and random high bytes: what an image or a zip looks like to a CSV reader
                stack.dropped.raw(base + ".csv", concat(header, junk), 0, kind);
            }
            case WRONG_ENCODING -> stack.dropped.raw(base + ".csv", (Dropped.HEADER + id + ",café crème,1.5,naïve\n")
                    .getBytes(StandardCharsets.ISO_8859_1), 0, kind);
            case VALUE_TOO_LONG -> stack.dropped.raw(base + ".csv", (Dropped.HEADER + id + ",ok,1.5,short\n"
                    + (id + 1) + ",ok,2.5," + "x".repeat(41) + "\n").getBytes(StandardCharsets.UTF_8), 0, kind);
            case NOT_GZIP -> stack.dropped.raw(base + ".csv.gz", (Dropped.HEADER + id + ",plain,1.5,not compressed\n")
                    .getBytes(StandardCharsets.UTF_8), 0, kind);
            case HEADER_ONLY -> stack.dropped.raw(base + ".csv", header, 0, kind);
            case EMPTY -> stack.dropped.raw(base + ".csv", new byte[0], 0, kind);
            default -> throw new IllegalArgumentException(kind.name());
        }
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    static byte[] gzip(byte[] content) throws java.io.IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(content);
        }
        return out.toByteArray();
    }

    /**
     * Waits until nothing is left to do, stops the pipeline, runs the final check, prints the row,
     * and asserts: 0 lost, 0 duplicated, no violation, and faults really injected.
     */
    static FinalCheck.Verdict finish(Stack stack, String scenario, long injected, String faults, long startedNanos) {
        stack.awaitDrained(DRAIN_LIMIT);
        stack.stop();
        FinalCheck.Verdict v = FinalCheck.verify(stack);
        ScenarioTable.add(new ScenarioTable.Row(scenario, stack.dropped.fileCount(), faults, injected, v.lost(),
                v.duplicated(), String.format("%.0f", (System.nanoTime() - startedNanos) / 1e9)));
        assertThat(v.violations()).as(scenario + ": invariant violations").isEmpty();
        assertThat(v.lost()).as(scenario + ": lost").isZero();
        assertThat(v.duplicated()).as(scenario + ": duplicated").isZero();
        assertThat(injected).as(scenario + ": faults injected").isPositive();
        assertThat(stack.dropped.fileCount()).as("files dropped").isGreaterThanOrEqualTo(FaultSize.files());
        return v;
    }

    static void waitUntil(Supplier<Boolean> condition, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.get()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met after " + limit);
            }
            Stack.sleep(Duration.ofMillis(200));
        }
    }

    static void join(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Sends every message the lister sends a second time, and keeps them to send once more after the run. */
    static final class Doubler implements ExecutionInterceptor {
        final AtomicInteger doubled = new AtomicInteger();
        final List<String> bodies = java.util.Collections.synchronizedList(new ArrayList<>());
        volatile SqsClient sqs;

        @Override
        public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
            if (context.request() instanceof SendMessageBatchRequest batch) {
                sqs.sendMessageBatch(batch.toBuilder().overrideConfiguration((software.amazon.awssdk.awscore
                        .AwsRequestOverrideConfiguration) null).build());
                doubled.addAndGet(batch.entries().size());
                batch.entries().forEach(e -> bodies.add(e.messageBody()));
            }
        }

        /** A message for every file again, after each was processed: the loader must change nothing. */
        int sendAllAgain(String queueUrl) {
            List<String> all = new ArrayList<>(bodies);
            for (int from = 0; from < all.size(); from += 10) {
                List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
                for (int i = from; i < Math.min(all.size(), from + 10); i++) {
                    entries.add(SendMessageBatchRequestEntry.builder().id("late-" + i).messageBody(all.get(i)).build());
                }
                sqs.sendMessageBatch(b -> b.queueUrl(queueUrl).entries(entries));
            }
            return all.size();
        }
    }

    /**
     * Kills the lister as a dead process would die: at a random SendMessageBatch (some messages
     * out, on the sender threads) or at the state write that would record what it sent (all out,
     * none recorded), an {@link Error} is thrown, and from then on every call of that lister, on
     * any of its threads, fails too, so the run can neither finish nor save. The scheduled runs end
     * with it; the test restarts the runtime and {@link #revive()}s the new lister.
     */
    static final class ListerKiller implements ExecutionInterceptor {
        private final Random random;
        private final int planned;
        private final AtomicInteger kills = new AtomicInteger();
        private final AtomicInteger atSend = new AtomicInteger();
        private final AtomicInteger atSave = new AtomicInteger();
        private volatile boolean dead;

        ListerKiller(long seed, int planned) {
            this.random = new Random(seed);
            this.planned = planned;
        }

        @Override
        public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
            String thread = Thread.currentThread().getName();
            if (!thread.startsWith("s3loader-lister") && !thread.startsWith("s3loader-send-")) {
                return; // the loaders are not part of the lister process
            }
            if (dead) {
                throw new KillAt.WorkerDeath("the lister is dead");
            }
            SdkRequest r = context.request();
            boolean send = r instanceof SendMessageBatchRequest;
            boolean save = r instanceof PutObjectRequest p && p.key().startsWith("_s3loader/lister");
            synchronized (random) {
                if (kills.get() >= planned) {
                    return;
                }
                // Alternately mid-send and before the state write.
                boolean wanted = kills.get() % 2 == 0 ? send : save;
                if (!wanted || random.nextInt(3) != 0) {
                    return;
                }
                dead = true;
                (send ? atSend : atSave).incrementAndGet();
                kills.incrementAndGet();
            }
            throw new KillAt.WorkerDeath("lister killed before " + r.getClass().getSimpleName());
        }

        /** The restarted lister lives. */
        void revive() {
            dead = false;
        }

        int kills() {
            return kills.get();
        }

        boolean exhausted() {
            return kills.get() >= planned;
        }

        String describe() {
            return atSend.get() + " mid-send, " + atSave.get() + " before the state write";
        }
    }
}
