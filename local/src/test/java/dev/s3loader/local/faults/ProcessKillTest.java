package dev.s3loader.local.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3loader.embedded.EmbeddedPostgres;
import dev.s3loader.embedded.EmbeddedS3;
import dev.s3loader.embedded.EmbeddedSqs;
import dev.s3loader.embedded.FreePort;
import dev.s3loader.embedded.SdkClients;
import dev.s3loader.lister.ListerService;
import dev.s3loader.lister.ListerWiring;
import dev.s3loader.local.CrashAt;
import dev.s3loader.local.LocalMain;
import dev.s3loader.loader.Step;
import dev.s3loader.model.ListerConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * {@code kill -9} of real processes: loader processes ({@link LoaderProcess}) under a lister, and
 * the whole local runtime ({@link LocalMain}, as {@code scripts/local} starts it, on an on-disk data
 * folder), each killed at random moments while files are in flight and started again. A kill
 * counts only when it hit a live process and the process died of SIGKILL (exit status 137).
 */
class ProcessKillTest {
    static final Duration DRAIN_LIMIT = FaultSuiteTest.DRAIN_LIMIT;

    @TempDir
    Path temp;

    @BeforeAll
    static void quiet() {
        FaultSuiteTest.announce();
    }

    @Test
    void realLoaderProcessesKilledWithSigkillAndRestarted_finishExactlyOnce(TestInfo test) throws Exception {
        Random random = FaultSuiteTest.random(test);
        int planned = FaultSize.pick(4, 20);
        try (Stack stack = new Stack("loader-processes-" + Long.toHexString(System.nanoTime() & 0xffffff),
                dev.s3loader.embedded.SharedServers.s3(), dev.s3loader.embedded.SharedServers::sqs,
                databaseFor("loader_processes"), temp.resolve("lp"), List.of(), List.of(), Map.of())) {
            long started = System.nanoTime();
            FaultSuiteTest.dropHealthy(stack, FaultSize.files(), random);
            // The lister runs here; only loaders run as processes.
            ListerService lister = ListerWiring.service(ListerConfig.fromEnv(stack.env()), stack.s3,
                    stack.sqsServer().newClient(), ListerWiring.metricsLogPublisher(temp.resolve("lister.log"), stack.clock),
                    stack.clock);
            AtomicBoolean stop = new AtomicBoolean();
            Thread listing = Thread.ofPlatform().name("lister").start(() -> {
                while (!stop.get()) {
                    try {
                        lister.runOnce();
                    } catch (RuntimeException e) {
                        System.err.println("lister: " + e);
                    }
                    Stack.sleep(Duration.ofSeconds(1));
                }
            });
            Map<String, String> env = new HashMap<>(stack.env());
            env.put("S3_ENDPOINT", stack.s3Server().endpoint().toString());
            env.put("SQS_ENDPOINT", stack.sqsServer().endpoint().toString());
            env.put("POLLERS", "2");
            List<Process> loaders = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                loaders.add(start(LoaderProcess.class.getName(), env, temp.resolve("loader-" + i + ".log")));
            }
            int kills = 0;
            int halts = 0;
            int waves = 0;
            while (kills < planned) {
                Stack.sleep(Duration.ofMillis(1500 + random.nextInt(3000)));
                if (stack.drained()) { // work ran out before the kills did: more files, so every kill lands mid-run
                    FaultSuiteTest.dropHealthy(stack, Math.max(50, FaultSize.files() / 10), random);
                    waves++;
                }
                for (int i = 0; i < loaders.size(); i++) {
                    Process p = loaders.get(i);
                    if (!p.isAlive() && p.exitValue() == CrashAt.STATUS) { // it halted itself at its armed step
                        halts++;
                        loaders.set(i, start(LoaderProcess.class.getName(), env, temp.resolve("loader-" + i + ".log")));
                    }
                }
                int victim = random.nextInt(loaders.size());
                Process target = loaders.get(victim);
                if (!target.isAlive()) {
                    halts += target.exitValue() == CrashAt.STATUS ? 1 : 0;
                } else if (kill9(target)) {
                    kills++;
                }
                // One restart in three is armed to halt itself at an exact step boundary (S3LOADER_CRASH_AT).
                Map<String, String> restart = new HashMap<>(env);
                if (random.nextInt(3) == 0) {
                    Step step = Step.values()[random.nextInt(Step.values().length)];
                    restart.put("S3LOADER_CRASH_AT", step + ":" + (1 + random.nextInt(3)));
                }
                loaders.set(victim, start(LoaderProcess.class.getName(), restart,
                        temp.resolve("loader-" + victim + ".log")));
            }
            // The last restarts may be armed and halt after the loop; one unarmed loader always finishes
            // the work, so the drain never waits on a loader that stopped itself (seen: 15-minute timeouts).
            for (int i = 0; i < loaders.size(); i++) {
                if (!loaders.get(i).isAlive()) {
                    halts += loaders.get(i).exitValue() == CrashAt.STATUS ? 1 : 0;
                    loaders.set(i, start(LoaderProcess.class.getName(), env, temp.resolve("loader-" + i + ".log")));
                }
            }
            loaders.add(start(LoaderProcess.class.getName(), env, temp.resolve("loader-finisher.log")));
            try {
                stack.awaitDrained(DRAIN_LIMIT);
            } finally {
                stop.set(true);
                FaultSuiteTest.join(listing);
                loaders.forEach(Process::destroyForcibly);
            }
            FinalCheck.Verdict v = FinalCheck.verify(stack);
            record(stack.dropped, "loader processes kill -9", kills + halts, kills + " loader processes killed with"
                    + " SIGKILL, " + halts + " halted at an armed step" + (waves > 0 ? " (" + waves
                    + " extra waves of files)" : ""), v, started);
        }
    }

    @Test
    void wholeLocalRuntimeKilledWithSigkillAndRestartedOnItsDataFolder_finishesExactlyOnce(TestInfo test)
            throws Exception {
        Assumptions.assumeTrue(hidesUnfinishedWrites(temp.resolve("probe")), "issue 7 defect 2 is not fixed on this"
                + " branch: after a crash the on-disk embedded S3 lists S3Proxy's unfinished writes"
                + " ('<key>-<uuid>' files), so this scenario fails with phantom objects in processed/"
                + " (seen: 'processed/2026/11/30/p5/f00215.csv-666dfb9a-3508-45fd-8d18-7827b1078505');"
                + " it runs by itself once the fix (branch wt-keys, UnfinishedWrites) is merged");
        Random random = FaultSuiteTest.random(test);
        int planned = FaultSize.pick(1, 6);
        int s3Port = FreePort.orPick(0);
        int sqsPort = FreePort.orPick(0);
        int pgPort = FreePort.orPick(0);
        Path data = temp.resolve("data");
        String bucket = "faults-runtime";
        Map<String, String> env = new HashMap<>(Map.ofEntries(
                Map.entry("S3LOADER_DATA_DIR", data.toString()), Map.entry("S3LOADER_S3_PORT", Integer.toString(s3Port)),
                Map.entry("S3LOADER_SQS_PORT", Integer.toString(sqsPort)),
                Map.entry("S3LOADER_PG_PORT", Integer.toString(pgPort)), Map.entry("S3LOADER_BUCKET", bucket),
                Map.entry("LIST_INTERVAL_SECONDS", "1"), Map.entry("DESTINATION", "postgres"),
                Map.entry("DB_TABLE", Stack.TABLE), Map.entry("CSV_HEADER", "true"),
                Map.entry("VISIBILITY_TIMEOUT_SECONDS", "10"), Map.entry("WAIT_TIME_SECONDS", "1"),
                Map.entry("POLLERS", "3"), Map.entry("BATCH_SIZE", "25"), Map.entry("BATCHING_WINDOW_SECONDS", "0"),
                Map.entry("MAX_ATTEMPTS", "1000")));
        Path log = temp.resolve("runtime.log");
        Process runtime = startRuntime(env, log);
        String jdbc = "jdbc:postgresql://127.0.0.1:" + pgPort + "/" + EmbeddedPostgres.DATABASE;
        try (S3Client s3 = SdkClients.s3(URI.create("http://127.0.0.1:" + s3Port), EmbeddedS3.REGION,
                EmbeddedS3.ACCESS_KEY, EmbeddedS3.SECRET_KEY).build();
             SqsClient sqs = SdkClients.sqs(URI.create("http://127.0.0.1:" + sqsPort), EmbeddedSqs.REGION,
                     EmbeddedSqs.ACCESS_KEY, EmbeddedSqs.SECRET_KEY).build()) {
            try (var c = DriverManager.getConnection(jdbc, EmbeddedPostgres.USER, EmbeddedPostgres.PASSWORD);
                 var st = c.createStatement()) {
                st.execute(Stack.DDL);
            }
            long started = System.nanoTime();
            Dropped dropped = new Dropped(s3, bucket);
            dropHealthy(dropped, 0, FaultSize.files(), random);
            int kills = 0;
            int waves = 0;
            while (kills < planned) {
                Stack.sleep(Duration.ofMillis(2000 + random.nextInt(5000)));
                if (drained(s3, sqs, bucket)) {
                    dropHealthy(dropped, dropped.fileCount(), Math.max(50, FaultSize.files() / 10), random);
                    waves++;
                }
                if (killRuntime(runtime, data)) {
                    kills++;
                }
                runtime = startRuntime(env, log);
            }
            long deadline = System.nanoTime() + DRAIN_LIMIT.toNanos();
            int inARow = 0;
            while (inARow < 2) {
                assertThat(System.nanoTime()).as("drained in time").isLessThan(deadline);
                inARow = drained(s3, sqs, bucket) ? inARow + 1 : 0;
                Stack.sleep(Duration.ofSeconds(1));
            }
            FinalCheck.Verdict v = FinalCheck.verify(s3, bucket, dropped,
                    () -> DriverManager.getConnection(jdbc, EmbeddedPostgres.USER, EmbeddedPostgres.PASSWORD));
            record(dropped, "local runtime kill -9", kills, kills + " runtimes (JVM and its PostgreSQL) killed with"
                    + " SIGKILL, restarted on the data folder" + (waves > 0 ? " (" + waves + " extra waves)" : ""),
                    v, started);
        } finally {
            runtime.destroy(); // SIGTERM: the runtime stops its servers, PostgreSQL included
            runtime.waitFor();
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    /**
     * Whether the on-disk S3 server hides a write a crash left unfinished: S3Proxy's filesystem
     * store writes {@code <key>-<uuid>} beside the key and renames it when done; a crash between
     * the two leaves the temporary file, which must never be listed as an object.
     */
    static boolean hidesUnfinishedWrites(Path dir) throws IOException {
        try (EmbeddedS3 s3 = EmbeddedS3.onDisk(dir, 0); S3Client client = s3.newClient()) {
            s3.createBucket("probe");
            client.putObject(b -> b.bucket("probe").key("incoming/a.csv"),
                    software.amazon.awssdk.core.sync.RequestBody.fromString("a"));
            Path stored;
            try (var files = Files.walk(dir)) {
                stored = files.filter(f -> f.getFileName().toString().equals("a.csv")).findFirst().orElseThrow();
            }
            Files.writeString(stored.resolveSibling("a.csv-" + java.util.UUID.randomUUID()), "half");
        }
        try (EmbeddedS3 again = EmbeddedS3.onDisk(dir, 0); S3Client client = again.newClient()) {
            return client.listObjectsV2(b -> b.bucket("probe")).contents().size() == 1;
        }
    }

    private static java.util.function.Supplier<String> databaseFor(String name) {
        String url = dev.s3loader.embedded.SharedServers.postgres().createDatabase(
                name + "_" + Long.toHexString(System.nanoTime() & 0xffffff));
        return () -> url;
    }

    private static void dropHealthy(Dropped dropped, int from, int n, Random random) {
        for (int i = from; i < from + n; i++) {
            dropped.csv(FaultSuiteTest.healthyKey(i), 1 + random.nextInt(4));
        }
    }

    private static boolean drained(S3Client s3, SqsClient sqs, String bucket) {
        try {
            boolean incoming = s3.listObjectsV2(b -> b.bucket(bucket).prefix("incoming/").maxKeys(1)).keyCount() == 0;
            String url = sqs.getQueueUrl(b -> b.queueName("s3loader")).queueUrl();
            long held = sqs.getQueueAttributes(b -> b.queueUrl(url).attributeNames(
                            QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                            QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
                    .attributes().values().stream().mapToLong(Long::parseLong).sum();
            return incoming && held == 0;
        } catch (RuntimeException e) {
            return false; // restarting
        }
    }

    private static Process start(String mainClass, Map<String, String> env, Path log) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"), mainClass);
        pb.environment().putAll(env);
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        return pb.start();
    }

    /** Starts scripts/local's main and waits until it says it runs (a restart recovers its PostgreSQL first). */
    private static Process startRuntime(Map<String, String> env, Path log) throws IOException {
        long before = Files.exists(log) ? Files.size(log) : 0;
        Process p = start(LocalMain.class.getName(), env, log);
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (true) {
            String tail = Files.exists(log) ? tail(log, before) : "";
            if (tail.contains("s3loader is running locally")) {
                return p;
            }
            if (!p.isAlive() || System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new AssertionError("the local runtime did not start again:\n" + tail);
            }
            Stack.sleep(Duration.ofMillis(500));
        }
    }

    private static String tail(Path log, long from) throws IOException {
        byte[] all = Files.readAllBytes(log);
        return new String(all, (int) Math.min(from, all.length), (int) Math.max(0, all.length - from),
                StandardCharsets.UTF_8);
    }

    /** SIGKILL; true when it hit a live process that died of it. */
    static boolean kill9(Process p) throws InterruptedException {
        if (!p.isAlive()) {
            return false;
        }
        p.destroyForcibly(); // SIGKILL on Linux
        return p.waitFor() == CrashAt.STATUS;
    }

    /**
     * The whole runtime dies as in a power cut: its JVM and its PostgreSQL (a separate process
     * group, started by pg_ctl, which a SIGKILL of the JVM leaves running) are both killed.
     */
    private static boolean killRuntime(Process runtime, Path data) throws Exception {
        boolean killed = kill9(runtime);
        Path pid = data.resolve("postgres").resolve("postmaster.pid");
        if (Files.exists(pid)) {
            long postmaster = Long.parseLong(Files.readAllLines(pid).getFirst().trim());
            new ProcessBuilder("kill", "-9", "--", "-" + postmaster).inheritIO().start().waitFor();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (ProcessHandle.of(postmaster).map(ProcessHandle::isAlive).orElse(false)) {
                assertThat(System.nanoTime()).as("PostgreSQL died").isLessThan(deadline);
                Stack.sleep(Duration.ofMillis(200));
            }
        }
        return killed;
    }

    private static void record(Dropped dropped, String scenario, int kills, String faults, FinalCheck.Verdict v,
                               long startedNanos) {
        ScenarioTable.add(new ScenarioTable.Row(scenario, dropped.fileCount(), faults, kills, v.lost(), v.duplicated(),
                String.format("%.0f", (System.nanoTime() - startedNanos) / 1e9)));
        assertThat(v.violations()).as(scenario + ": invariant violations").isEmpty();
        assertThat(v.lost()).as(scenario + ": lost").isZero();
        assertThat(v.duplicated()).as(scenario + ": duplicated").isZero();
        assertThat(kills).as(scenario + ": kills").isPositive();
        assertThat(dropped.fileCount()).isGreaterThanOrEqualTo(FaultSize.files());
    }
}
