package dev.s3loader.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3loader.embedded.Endpoints;
import dev.s3loader.embedded.SharedServers;
import dev.s3loader.lister.Backlog;
import dev.s3loader.embedded.fixtures.TestBucket;
import dev.s3loader.embedded.fixtures.TestDatabase;
import dev.s3loader.lister.ListerService;
import dev.s3loader.lister.ListerWiring;
import dev.s3loader.loader.BatchOutcome;
import dev.s3loader.loader.Delivery;
import dev.s3loader.loader.LoaderWiring;
import dev.s3loader.loader.Step;
import dev.s3loader.loader.StepHook;
import dev.s3loader.model.ErrorReport;
import dev.s3loader.model.FileMessage;
import dev.s3loader.model.Layout;
import dev.s3loader.model.ListerConfig;
import dev.s3loader.model.ListerState;
import dev.s3loader.model.LoaderConfig;
import dev.s3loader.model.PollerConfig;
import dev.s3loader.ops.audit.Audit;
import dev.s3loader.ops.audit.AuditReport;
import dev.s3loader.ops.audit.JsonReport;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.EncodingType;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The pipeline's behaviour against real S3 and SQS servers: run once on the embedded servers and,
 * where a Docker engine runs, once on LocalStack. Each test has its own bucket and queue.
 */
abstract class PipelineContract {
    static final Layout LAYOUT = Layout.defaults();
    static final int MAX_RECEIVE = 3;

    protected abstract Endpoints endpoints();

    /**
     * How many ordinary files a whole-pipeline test puts; a slower server takes fewer (the awkward
     * keys are always all there).
     */
    protected int ordinaryFiles(int files) {
        return files;
    }

    S3Client s3;
    SqsClient sqs;
    String bucket;
    String queueUrl;
    String dlqUrl;
    TestBucket files;

    @TempDir
    Path temp;

    @BeforeEach
    void createBucketAndQueue() {
        s3 = endpoints().s3Client();
        sqs = endpoints().sqsClient();
        String name = "t-" + UUID.randomUUID().toString().substring(0, 12);
        bucket = name;
        s3.createBucket(b -> b.bucket(bucket));
        files = new TestBucket(s3, bucket);
        dlqUrl = sqs.createQueue(b -> b.queueName(name + "-dlq")).queueUrl();
        String dlqArn = sqs.getQueueAttributes(b -> b.queueUrl(dlqUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
        queueUrl = sqs.createQueue(b -> b.queueName(name).attributes(Map.of(
                QueueAttributeName.VISIBILITY_TIMEOUT, "2",
                QueueAttributeName.REDRIVE_POLICY,
                "{\"deadLetterTargetArn\":\"" + dlqArn + "\",\"maxReceiveCount\":\"" + MAX_RECEIVE + "\"}"))).queueUrl();
    }

    @AfterEach
    void closeClients() {
        s3.close();
        sqs.close();
    }

    Map<String, String> env(String... kv) {
        Map<String, String> env = new HashMap<>(Map.of("BUCKET", bucket, "QUEUE_URL", queueUrl,
                "MAX_RECEIVE_COUNT", Integer.toString(MAX_RECEIVE), "WAIT_TIME_SECONDS", "1",
                "VISIBILITY_TIMEOUT_SECONDS", "30", "POLLERS", "3", "BATCH_SIZE", "10"));
        for (int i = 0; i < kv.length; i += 2) {
            env.put(kv[i], kv[i + 1]);
        }
        return env;
    }

    ListerService lister(Map<String, String> env) {
        return lister(env, Clock.systemUTC());
    }

    ListerService lister(Map<String, String> env, Clock clock) {
        ListerConfig c = ListerConfig.fromEnv(env);
        return ListerWiring.service(c, s3, sqs, ListerWiring.metricsLogPublisher(temp.resolve("lister-metrics.log"), clock),
                clock);
    }

    LoaderWiring loader(Map<String, String> env) {
        return new LoaderWiring(LoaderConfig.fromEnv(env), new LoaderWiring.Clients(s3, () -> {
            throw new IllegalStateException("not used");
        }), line -> { }, Clock.systemUTC());
    }

    List<Message> receiveAll() {
        List<Message> all = new ArrayList<>();
        for (int empty = 0; empty < 2; ) {
            List<Message> got = sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(10).waitTimeSeconds(1)
                    .visibilityTimeout(30).messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)).messages();
            all.addAll(got);
            empty = got.isEmpty() ? empty + 1 : 0;
        }
        return all;
    }

    static List<Delivery> deliveries(List<Message> messages) {
        return messages.stream().map(m -> Delivery.of(m.messageId(), m.body(),
                m.attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT))).toList();
    }

    /** Waits, at most four minutes, until a lister run saw no backlog and nothing in flight. */
    static void awaitDrained(LocalPipeline pipeline) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
        while (System.nanoTime() < deadline && (pipeline.lastBacklog() == null || pipeline.lastBacklog().files() > 0
                || pipeline.lastBacklog().inFlight() > 0)) {
            Thread.sleep(250);
        }
    }

    ListerState state() {
        return ListerState.decode(s3.getObjectAsBytes(b -> b.bucket(bucket).key(LAYOUT.listerStateKey())).asByteArray());
    }

    @Test
    void pipeline_sampleSetWithAwkwardKeys_everyFileEndsInExactlyOnePlaceByteForByte() throws Exception {
        List<SampleSet.SampleFile> sample = SampleSet.generate(ordinaryFiles(1000), 3);
        for (SampleSet.SampleFile f : sample) {
            files.put(LAYOUT.incoming() + f.relativeKey(), f.content());
        }
        Map<String, String> env = env("MAX_IN_FLIGHT_FILES", "300");

        try (LocalPipeline pipeline = new LocalPipeline(new LocalPipeline.Clients(s3, sqs, () -> null),
                ListerConfig.fromEnv(env), LoaderConfig.fromEnv(env), PollerConfig.fromEnv(env),
                Duration.ofMillis(500), temp, Clock.systemUTC())) {
            awaitDrained(pipeline);
            Backlog last = pipeline.lastBacklog();
            assertThat(last).as("a lister run that completed").isNotNull();
            assertThat(last.files()).as("backlog").isZero();
            assertThat(last.inFlight()).as("in flight").isZero();
        }

        InvariantCheck.Result r = new InvariantCheck(s3, bucket, LAYOUT).check(InvariantCheck.hashes(LAYOUT, sample));
        assertThat(r.violations()).isEmpty();
        assertThat(r.processed()).isEqualTo(sample.size() - 1);
        assertThat(r.failed()).isEqualTo(1);
        assertThat(r.incoming()).isZero();
        assertThat(state().entries()).isEmpty();
        String longKey = LAYOUT.incoming() + SampleSet.tooLongForProcessed();
        ErrorReport report = ErrorReport.fromJson(files.get(LAYOUT.errorReportKey(longKey)));
        assertThat(report.key()).isEqualTo(longKey);
        assertThat(report.reason()).contains("key too long for processed/");
        assertThat(files.get(LAYOUT.processed() + "awkward/empty.csv")).isEmpty();
        // What a user runs on the same bucket (scripts/audit) agrees.
        AuditReport audit = new Audit(s3, bucket, LAYOUT, Optional.empty(),
                new Audit.Settings(20, 1000, 5, Duration.ofMinutes(60)), Clock.systemUTC()).run();
        assertThat(audit.holds()).as(JsonReport.toJson(audit)).isTrue();
        assertThat(audit.processedFiles()).isEqualTo(sample.size() - 1);
        assertThat(audit.failed().count()).isEqualTo(1);
    }

    @Test
    void pipeline_awkwardKeysIntoPostgres_eachLoadedOnceAndMovedByteForByte() throws Exception {
        // Arrange: a database of its own; the sample set holds every awkward key, a malformed
        // file, an empty file (no rows: PostgreSQL rejects it) and a key too long for processed/
        // (the three end in failed/).
        String database = "keys_" + bucket.replace("-", "_");
        String url = TestDatabase.create(database, LocalRuntime.SAMPLE_DDL);
        List<SampleSet.SampleFile> sample = SampleSet.generate(20, 3);
        for (SampleSet.SampleFile f : sample) {
            files.put(LAYOUT.incoming() + f.relativeKey(), f.content());
        }
        Map<String, String> env = env("DESTINATION", "postgres", "DB_URL", url, "DB_USER",
                SharedServers.postgres().user(), "DB_PASSWORD", SharedServers.postgres().password(),
                "DB_TABLE", "demo_rows", "CSV_HEADER", "true", "DB_SSL_MODE", "disable");

        // Act
        try (LocalPipeline pipeline = new LocalPipeline(new LocalPipeline.Clients(s3, sqs, () -> null),
                ListerConfig.fromEnv(env), LoaderConfig.fromEnv(env), PollerConfig.fromEnv(env),
                Duration.ofMillis(500), temp, Clock.systemUTC())) {
            awaitDrained(pipeline);
            assertThat(pipeline.lastBacklog()).as("a lister run that completed").isNotNull();
            assertThat(pipeline.lastBacklog().files()).as("backlog").isZero();
            assertThat(pipeline.lastBacklog().inFlight()).as("in flight").isZero();
        }

        // Assert: every file in exactly one place with its bytes; the ledger names each loaded key
        // byte for byte, once; the table holds each loaded row once.
        InvariantCheck.Result r = new InvariantCheck(s3, bucket, LAYOUT).check(InvariantCheck.hashes(LAYOUT, sample));
        assertThat(r.violations()).isEmpty();
        assertThat(r.failed()).isEqualTo(3);
        List<String> expectedLedger = new ArrayList<>();
        long expectedRows = 0;
        for (SampleSet.SampleFile f : sample) {
            if (files.exists(LAYOUT.processed() + f.relativeKey())) {
                expectedLedger.add(LAYOUT.incoming() + f.relativeKey());
                expectedRows += f.rows();
            }
        }
        assertThat(expectedLedger).contains(SampleSet.AWKWARD_KEYS.stream().map(k -> LAYOUT.incoming() + k)
                .toArray(String[]::new));
        List<String> ledger = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(url, SharedServers.postgres().user(),
                SharedServers.postgres().password()); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT key FROM s3loader_ledger")) {
                while (rs.next()) {
                    ledger.add(rs.getString(1));
                }
            }
            try (ResultSet rs = st.executeQuery("SELECT count(*), count(DISTINCT id) FROM demo_rows")) {
                rs.next();
                assertThat(rs.getLong(1)).as("rows").isEqualTo(expectedRows);
                assertThat(rs.getLong(2)).as("distinct ids").isEqualTo(expectedRows);
            }
        }
        assertThat(ledger).containsExactlyInAnyOrderElementsOf(expectedLedger);
    }

    /**
     * Puts the sample set and returns each file's processed/ key under {@code layout} at its
     * LastModified as S3 reports it (the time PROCESSED_KEY_TIME=last-modified takes).
     */
    private Map<String, String> putSampleAndExpectProcessedKeys(List<SampleSet.SampleFile> sample, Layout layout) {
        Map<String, String> expected = new HashMap<>();
        for (SampleSet.SampleFile f : sample) {
            String key = layout.incoming() + f.relativeKey();
            files.put(key, f.content());
            java.time.Instant lastModified = s3.headObject(b -> b.bucket(bucket).key(key)).lastModified();
            layout.processedKey(key, lastModified).ifPresent(pk -> expected.put(key, pk));
        }
        return expected;
    }

    private Map<String, String> processedCopies(Layout layout) {
        Map<String, String> copies = new HashMap<>();
        new InvariantCheck(s3, bucket, layout).processedCopies().forEach((incoming, keys) -> {
            assertThat(keys).as("copies of " + incoming).hasSize(1);
            copies.put(incoming, keys.getFirst());
        });
        return copies;
    }

    @Test
    void pipeline_processedKeyTemplate_copyPutsEveryFileUnderItsLastModifiedDateAndTheAuditHolds() throws Exception {
        List<SampleSet.SampleFile> sample = SampleSet.generate(ordinaryFiles(200), 3);
        Map<String, String> env = env("MAX_IN_FLIGHT_FILES", "300", "PROCESSED_KEY_TEMPLATE",
                "year={yyyy}/month={MM}/day={dd}/{key}");
        Layout layout = LoaderConfig.fromEnv(env).layout();
        Map<String, String> expected = putSampleAndExpectProcessedKeys(sample, layout);

        try (LocalPipeline pipeline = new LocalPipeline(new LocalPipeline.Clients(s3, sqs, () -> null),
                ListerConfig.fromEnv(env), LoaderConfig.fromEnv(env), PollerConfig.fromEnv(env),
                Duration.ofMillis(500), temp, Clock.systemUTC())) {
            awaitDrained(pipeline);
            assertThat(pipeline.lastBacklog().files()).as("backlog").isZero();
        }

        InvariantCheck.Result r = new InvariantCheck(s3, bucket, layout).check(InvariantCheck.hashes(layout, sample));
        assertThat(r.violations()).isEmpty();
        assertThat(r.processed()).isEqualTo(sample.size() - 1);
        assertThat(r.failed()).isEqualTo(1);
        Map<String, String> copies = processedCopies(layout);
        assertThat(copies).hasSize(sample.size() - 1);
        copies.forEach((incoming, pk) -> assertThat(pk).isEqualTo(expected.get(incoming)));
        assertThat(copies.values()).allMatch(pk -> pk.matches("(?s)processed/year=\\d{4}/month=\\d{2}/day=\\d{2}/.+"));
        assertThat(copies).containsKeys(SampleSet.AWKWARD_KEYS.stream().map(k -> layout.incoming() + k).toArray(String[]::new));
        String longKey = layout.incoming() + SampleSet.tooLongForProcessed();
        assertThat(ErrorReport.fromJson(files.get(layout.errorReportKey(longKey))).reason()).contains("key too long for processed/");
        AuditReport audit = new Audit(s3, bucket, layout, Optional.empty(),
                new Audit.Settings(20, 7, 5, Duration.ofMinutes(60)), Clock.systemUTC()).run();
        assertThat(audit.holds()).as(JsonReport.toJson(audit)).isTrue();
        assertThat(audit.processedFiles()).isEqualTo(sample.size() - 1);
        assertThat(audit.findings()).doesNotContainKey(dev.s3loader.ops.audit.FindingKind.PROCESSED_OUTSIDE_TEMPLATE);

        // A second copy of one version under another date (what a retry taking another time would leave) is caught.
        String awkward = layout.incoming() + SampleSet.AWKWARD_KEYS.getFirst();
        String again = layout.processedKey(awkward, java.time.Instant.parse("2020-02-29T00:00:00Z")).orElseThrow();
        s3.copyObject(b -> b.sourceBucket(bucket).sourceKey(copies.get(awkward)).destinationBucket(bucket).destinationKey(again));
        AuditReport caught = new Audit(s3, bucket, layout, Optional.empty(),
                new Audit.Settings(20, 1000, 5, Duration.ofMinutes(60)), Clock.systemUTC()).run();
        assertThat(caught.holds()).isFalse();
        assertThat(caught.findings().keySet().stream().filter(dev.s3loader.ops.audit.FindingKind::violation))
                .containsExactly(dev.s3loader.ops.audit.FindingKind.PROCESSED_TWICE);
        assertThat(new InvariantCheck(s3, bucket, layout).check(InvariantCheck.hashes(layout, sample)).violations())
                .anyMatch(v -> v.contains("is in processed/ 2 times"));
    }

    @Test
    void pipeline_processedKeyTemplateByLoadTime_postgresPutsEveryFileUnderItsLedgerDateOnce() throws Exception {
        String database = "tpl_" + bucket.replace("-", "_");
        String url = TestDatabase.create(database, LocalRuntime.SAMPLE_DDL);
        List<SampleSet.SampleFile> sample = SampleSet.generate(20, 3);
        Map<String, String> env = env("DESTINATION", "postgres", "DB_URL", url, "DB_USER",
                SharedServers.postgres().user(), "DB_PASSWORD", SharedServers.postgres().password(),
                "DB_TABLE", "demo_rows", "CSV_HEADER", "true", "DB_SSL_MODE", "disable",
                "PROCESSED_KEY_TEMPLATE", "{yyyy}/{MM}/{dd}/{HH}/{key}", "PROCESSED_KEY_TIME", "load");
        Layout layout = LoaderConfig.fromEnv(env).layout();
        putSampleAndExpectProcessedKeys(sample, layout);

        try (LocalPipeline pipeline = new LocalPipeline(new LocalPipeline.Clients(s3, sqs, () -> null),
                ListerConfig.fromEnv(env), LoaderConfig.fromEnv(env), PollerConfig.fromEnv(env),
                Duration.ofMillis(500), temp, Clock.systemUTC())) {
            awaitDrained(pipeline);
            assertThat(pipeline.lastBacklog().files()).as("backlog").isZero();
        }

        InvariantCheck.Result r = new InvariantCheck(s3, bucket, layout).check(InvariantCheck.hashes(layout, sample));
        assertThat(r.violations()).isEmpty();
        assertThat(r.failed()).isEqualTo(3);
        Map<String, String> copies = processedCopies(layout);
        Map<String, String> ledgerPartitions = new HashMap<>();
        try (Connection c = DriverManager.getConnection(url, SharedServers.postgres().user(),
                SharedServers.postgres().password()); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT key, to_char(loaded_at AT TIME ZONE 'UTC', 'YYYY/MM/DD/HH24/')"
                     + " FROM s3loader_ledger")) {
            while (rs.next()) {
                ledgerPartitions.put(rs.getString(1), rs.getString(2));
            }
        }
        assertThat(copies.keySet()).containsExactlyInAnyOrderElementsOf(ledgerPartitions.keySet());
        assertThat(copies).containsKeys(SampleSet.AWKWARD_KEYS.stream().map(k -> layout.incoming() + k).toArray(String[]::new));
        copies.forEach((incoming, pk) -> assertThat(pk)
                .isEqualTo(layout.processed() + ledgerPartitions.get(incoming) + layout.relative(incoming)));
    }

    @Test
    void loader_fullLengthKey_goesToFailedWithAFindableReport() {
        String key = LAYOUT.incoming() + "k".repeat(1024 - LAYOUT.incoming().length());
        files.put(key, "x");
        lister(env()).runOnce();

        try (LoaderWiring loader = loader(env())) {
            BatchOutcome out = loader.processor().process(deliveries(receiveAll()));
            assertThat(out.failedMessageIds()).isEmpty();
            assertThat(out.failed()).isEqualTo(1);
        }

        assertThat(files.exists(key)).isFalse();
        assertThat(files.get(LAYOUT.failedKey(key).orElseThrow())).isEqualTo("x");
        String reportKey = LAYOUT.errorReportKey(key);
        assertThat(reportKey).startsWith("_s3loader/reports/hashed/");
        ErrorReport report = ErrorReport.fromJson(files.get(reportKey));
        assertThat(report.key()).isEqualTo(key);
        assertThat(report.failedKey()).isEqualTo(LAYOUT.failedKey(key).orElseThrow());
        assertThat(report.reason()).contains("1024-byte limit");
    }

    @Test
    void loader_fileOverwrittenWhileInFlight_newVersionIsTheOneProcessed() {
        String key = "incoming/overwritten.csv";
        files.put(key, "version 1");
        ListerService lister = lister(env());
        lister.runOnce();
        List<Message> first = receiveAll();
        files.put(key, "version 2");

        try (LoaderWiring loader = loader(env())) {
            BatchOutcome stale = loader.processor().process(deliveries(first));
            assertThat(stale.failedMessageIds()).isEmpty();
            assertThat(stale.skipped()).isEqualTo(1);
            assertThat(files.exists("processed/overwritten.csv")).isFalse();

            lister.runOnce();
            List<Message> second = receiveAll();
            assertThat(second).singleElement().satisfies(m -> assertThat(FileMessage.fromJson(m.body()).etag())
                    .isNotEqualTo(FileMessage.fromJson(first.getFirst().body()).etag()));
            BatchOutcome fresh = loader.processor().process(deliveries(second));
            assertThat(fresh.processed()).isEqualTo(1);
        }
        assertThat(files.get("processed/overwritten.csv")).isEqualTo("version 2");
        assertThat(files.exists(key)).isFalse();
    }

    @Test
    void loader_filesOverwrittenBetweenCopyAndDelete_newVersionsStayInIncomingAndLoadNext() {
        // A batch of several files: their deletes go together (DeleteObjects) where the store honours
        // each key's ETag there, one by one (DeleteObject If-Match) where it does not.
        for (int i = 0; i < 5; i++) {
            files.put("incoming/race-" + i + ".csv", "version 1 of " + i);
        }
        ListerService lister = lister(env());
        lister.runOnce();
        List<Message> first = receiveAll();
        assertThat(first).hasSize(5);
        StepHook producerOverwrites = (step, m) -> {
            if (step == Step.COPIED) {
                files.put(m.key(), m.key().replace("incoming/race-", "version 2 of ").replace(".csv", ""));
            }
        };

        try (LoaderWiring racing = new LoaderWiring(LoaderConfig.fromEnv(env()), new LoaderWiring.Clients(s3, () -> {
            throw new IllegalStateException("not used");
        }), line -> { }, Clock.systemUTC(), producerOverwrites)) {
            BatchOutcome out = racing.processor().process(deliveries(first));
            assertThat(out.failedMessageIds()).isEmpty();
        }
        for (int i = 0; i < 5; i++) {
            String key = "incoming/race-" + i + ".csv";
            assertThat(files.exists(key)).as("the new version of " + key + " is still in incoming/ (not deleted unseen)").isTrue();
            assertThat(files.get(key)).isEqualTo("version 2 of " + i);
        }

        lister.runOnce();
        try (LoaderWiring loader = loader(env())) {
            assertThat(loader.processor().process(deliveries(receiveAll())).processed()).isEqualTo(5);
        }
        for (int i = 0; i < 5; i++) {
            assertThat(files.get("processed/race-" + i + ".csv")).isEqualTo("version 2 of " + i);
            assertThat(files.exists("incoming/race-" + i + ".csv")).isFalse();
        }
    }

    @Test
    void loader_redeliveredAfterACrashAtCopied_producerOverwritesAsItCopiesAgain_processedKeepsTheLoadedVersion() {
        // v1 is copied to processed/ and its worker dies before the delete. As the redelivery copies
        // again, a producer writes v2: processed/ must keep v1's bytes (the ledger says v1 is what
        // loaded), and v2 waits in incoming/ for its own message. A store that ignores
        // CopySourceIfMatch must not let v2's bytes reach processed/ on the way to finding out.
        String key = "incoming/recopy/r 1%.csv";
        files.put(key, "version 1");
        lister(env()).runOnce();
        List<Delivery> delivery = deliveries(receiveAll());
        StepHook crash = (at, file) -> {
            if (at == Step.COPIED) {
                throw new IllegalStateException("worker died after its copy");
            }
        };
        try (LoaderWiring dying = new LoaderWiring(LoaderConfig.fromEnv(env()), new LoaderWiring.Clients(s3, () -> {
            throw new IllegalStateException("not used");
        }), line -> { }, Clock.systemUTC(), crash)) {
            dying.processor().process(delivery);
        } catch (IllegalStateException died) {
            // its message comes back
        }
        assertThat(files.get("processed/recopy/r 1%.csv")).isEqualTo("version 1");
        java.util.concurrent.atomic.AtomicBoolean written = new java.util.concurrent.atomic.AtomicBoolean();
        software.amazon.awssdk.core.interceptor.ExecutionInterceptor producer = new software.amazon.awssdk.core.interceptor.ExecutionInterceptor() {
            @Override
            public void beforeExecution(software.amazon.awssdk.core.interceptor.Context.BeforeExecution context,
                                        software.amazon.awssdk.core.interceptor.ExecutionAttributes attributes) {
                if (context.request() instanceof software.amazon.awssdk.services.s3.model.CopyObjectRequest c
                        && String.valueOf(c.copySource()).contains("incoming/recopy/") // the SDK has encoded key into CopySource
                        && written.compareAndSet(false, true)) {
                    files.put(key, "version 2");
                }
            }
        };

        try (S3Client racing = endpoints().s3ClientBuilder()
                .overrideConfiguration(o -> o.addExecutionInterceptor(producer)).build();
             LoaderWiring next = new LoaderWiring(LoaderConfig.fromEnv(env()), new LoaderWiring.Clients(racing, () -> {
                 throw new IllegalStateException("not used");
             }), line -> { }, Clock.systemUTC())) {
            assertThat(next.processor().process(delivery).failedMessageIds()).isEmpty();
        }

        assertThat(written).as("the producer wrote as the loader copied").isTrue();
        assertThat(files.get("processed/recopy/r 1%.csv")).as("processed/ keeps the version that loaded").isEqualTo("version 1");
        assertThat(files.get(key)).as("the new version waits in incoming/").isEqualTo("version 2");
    }

    @Test
    void lister_percentKeysAtRangeBoundaries_dispatchesOnEveryRun() {
        // Every key holds '%' (an escape, a bare one, a '%' before non-hex): from the second run on,
        // the ranges are split at keys of the previous pass, so StartAfter holds them.
        for (int i = 0; i < 30; i++) {
            files.put(String.format("incoming/100%%-%02d %%zz%%41+%%.csv", i), "row " + i);
        }
        Map<String, String> env = env("LIST_RANGES", "4", "MAX_IN_FLIGHT_FILES", "5");
        ListerService lister = lister(env);

        try (LoaderWiring loader = loader(env)) {
            for (int run = 1; run <= 6; run++) {
                Backlog b = lister.runOnce();
                assertThat(b.enqueued()).as("files dispatched by run " + run).isEqualTo(5);
                assertThat(loader.processor().process(deliveries(receiveAll())).processed()).as("run " + run).isEqualTo(5);
            }
        }
        assertThat(lister.runOnce().files()).isZero();
        for (int i = 0; i < 30; i++) {
            assertThat(files.get(String.format("processed/100%%-%02d %%zz%%41+%%.csv", i))).isEqualTo("row " + i);
        }
    }

    @Test
    void loader_crashAtEachStep_theNextDeliveryFinishesTheMoveOnce() {
        List<Step> steps = List.of(Step.RECEIVED, Step.LOADED, Step.COPIED, Step.DELETED, Step.BEFORE_ACK);
        for (Step step : steps) {
            files.put("incoming/crash/" + step + " 100%.csv", "row of " + step);
        }
        lister(env()).runOnce();
        Map<String, Message> byKey = new HashMap<>();
        receiveAll().forEach(m -> byKey.put(FileMessage.fromJson(m.body()).key(), m));

        for (Step step : steps) {
            String key = "incoming/crash/" + step + " 100%.csv";
            List<Delivery> delivery = deliveries(List.of(byKey.get(key)));
            StepHook crash = (at, file) -> {
                if (at == step) {
                    throw new IllegalStateException("worker died at " + step);
                }
            };
            try (LoaderWiring dying = new LoaderWiring(LoaderConfig.fromEnv(env()), new LoaderWiring.Clients(s3, () -> {
                throw new IllegalStateException("not used");
            }), line -> { }, Clock.systemUTC(), crash)) {
                dying.processor().process(delivery);
            } catch (IllegalStateException died) {
                // The worker is gone; its message comes back.
            }
            try (LoaderWiring next = loader(env())) {
                BatchOutcome out = next.processor().process(delivery);
                assertThat(out.failedMessageIds()).as("redelivery after a crash at " + step).isEmpty();
            }
            assertThat(files.get("processed/crash/" + step + " 100%.csv")).as(step.name()).isEqualTo("row of " + step);
            assertThat(files.exists(key)).as(step + ": still in incoming/").isFalse();
        }
    }

    @Test
    void loader_redeliveredAfterCompletionOrForADeletedFile_isAcknowledgedAndChangesNothing() {
        files.put("incoming/done.csv", "done");
        files.put("incoming/deleted.csv", "deleted");
        lister(env()).runOnce();
        List<Message> messages = receiveAll();
        s3.deleteObject(b -> b.bucket(bucket).key("incoming/deleted.csv"));

        try (LoaderWiring loader = loader(env())) {
            BatchOutcome once = loader.processor().process(deliveries(messages));
            assertThat(once.failedMessageIds()).isEmpty();
            assertThat(once.processed()).isEqualTo(1);
            assertThat(once.skipped()).isEqualTo(1);

            BatchOutcome again = loader.processor().process(deliveries(messages));
            assertThat(again.failedMessageIds()).isEmpty();
            assertThat(again.processed()).isZero();
            assertThat(again.skipped()).isEqualTo(2);
        }
        assertThat(files.get("processed/done.csv")).isEqualTo("done");
        assertThat(files.exists("processed/deleted.csv")).isFalse();
        assertThat(files.exists("failed/deleted.csv")).isFalse();
    }

    @Test
    void loader_batchWithOnePoisonMessage_returnsOnlyThatId() {
        for (int i = 0; i < 9; i++) {
            files.put("incoming/good-" + i + ".csv", "good " + i);
        }
        lister(env()).runOnce();
        List<Delivery> batch = new ArrayList<>(deliveries(receiveAll()));
        batch.add(4, new Delivery("poison-1", "{\"this is\": \"not a file message\"}", 1));

        BatchOutcome out;
        try (LoaderWiring loader = loader(env())) {
            out = loader.processor().process(batch);
        }

        assertThat(out.failedMessageIds()).containsExactly("poison-1");
        assertThat(out.processed()).isEqualTo(9);
        for (int i = 0; i < 9; i++) {
            assertThat(files.get("processed/good-" + i + ".csv")).isEqualTo("good " + i);
        }
    }

    @Test
    void loader_fileAboveTheMultipartThreshold_isCopiedInPartsByteForByte() {
        byte[] big = new byte[12 * 1024 * 1024 + 123];
        new Random(7).nextBytes(big);
        files.put("incoming/big file.bin", big);
        Map<String, String> env = env("MULTIPART_THRESHOLD_BYTES", Long.toString(5 * LoaderConfig.MIB),
                "MULTIPART_PART_BYTES", Long.toString(5 * LoaderConfig.MIB));
        lister(env).runOnce();

        try (LoaderWiring loader = loader(env)) {
            assertThat(loader.processor().process(deliveries(receiveAll())).processed()).isEqualTo(1);
        }

        byte[] copied = s3.getObjectAsBytes(b -> b.bucket(bucket).key("processed/big file.bin")).asByteArray();
        assertThat(copied).isEqualTo(big);
        assertThat(files.exists("incoming/big file.bin")).isFalse();
        assertThat(s3.listMultipartUploads(b -> b.bucket(bucket).encodingType(EncodingType.URL)).uploads()).isEmpty();
    }

    @Test
    void loader_transientFailureOnEveryReceive_waitsThenTheDeadLetteredFileIsSentAgainAndLoadsOnce() {
        files.put("incoming/needs-archive.csv", "a,b\n");
        // The archive bucket does not exist yet: every copy fails, as in an outage longer than all the receives.
        String archive = bucket + "-archive-later";
        Map<String, String> env = env("DESTINATION_BUCKET", archive, "REQUEUE_AFTER_MINUTES", "1");
        lister(env, Clock.systemUTC()).runOnce();

        try (LoaderWiring loader = loader(env)) {
            for (int receive = 1; receive <= MAX_RECEIVE; receive++) {
                List<Message> got = receiveAll();
                assertThat(got).as("receive " + receive).hasSize(1);
                BatchOutcome out = loader.processor().process(deliveries(got));
                assertThat(out.failedMessageIds()).as("handed back on receive " + receive).hasSize(1);
                assertThat(out.failed()).isZero();
                // As the event source mapping does with a reported failure: the message becomes visible again.
                sqs.changeMessageVisibility(b -> b.queueUrl(queueUrl).receiptHandle(got.getFirst().receiptHandle())
                        .visibilityTimeout(0));
            }
        }
        assertThat(receiveAll()).as("after its last receive SQS moves the message to the dead-letter queue").isEmpty();
        assertThat(sqs.receiveMessage(b -> b.queueUrl(dlqUrl).waitTimeSeconds(1)).messages()).hasSize(1);
        assertThat(files.exists("incoming/needs-archive.csv")).isTrue();
        assertThat(files.exists("failed/needs-archive.csv")).isFalse();
        assertThat(files.exists(LAYOUT.errorReportKey("incoming/needs-archive.csv"))).isFalse();

        // The cause is fixed; the lister sees the queue no longer holds the file's message and sends it again.
        s3.createBucket(b -> b.bucket(archive));
        var resent = lister(env, Clock.offset(Clock.systemUTC(), Duration.ofMinutes(2))).runOnce();
        assertThat(resent.enqueued()).isEqualTo(1);
        assertThat(state().entries().get("incoming/needs-archive.csv").attempts()).isEqualTo(2);
        try (LoaderWiring loader = loader(env)) {
            assertThat(loader.processor().process(deliveries(receiveAll())).processed()).isEqualTo(1);
        }
        assertThat(files.get("processed/needs-archive.csv")).isEqualTo("a,b\n");
        assertThat(s3.getObjectAsBytes(b -> b.bucket(archive).key("processed/needs-archive.csv")).asUtf8String())
                .isEqualTo("a,b\n");
        assertThat(files.exists("incoming/needs-archive.csv")).isFalse();
        assertThat(files.exists("failed/needs-archive.csv")).isFalse();
    }

    @Test
    void loader_copyToAnArchive_archivesAndStillMovesToProcessed() {
        s3.createBucket(b -> b.bucket(bucket + "-archive"));
        files.put("incoming/day=1/a b.csv", "row");
        Map<String, String> env = env("DESTINATION_BUCKET", bucket + "-archive", "DESTINATION_PREFIX", "archive/");
        lister(env).runOnce();

        try (LoaderWiring loader = loader(env)) {
            assertThat(loader.processor().process(deliveries(receiveAll())).processed()).isEqualTo(1);
        }

        assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket + "-archive").key("archive/day=1/a b.csv")).asUtf8String())
                .isEqualTo("row");
        assertThat(files.get("processed/day=1/a b.csv")).isEqualTo("row");
        assertThat(files.exists("incoming/day=1/a b.csv")).isFalse();
    }

    @Test
    void poller_malformedMessageReceivedMaxReceiveCountTimes_endsInTheDeadLetterQueue() throws Exception {
        sqs.sendMessage(b -> b.queueUrl(queueUrl).messageBody("not json at all"));
        Map<String, String> env = env("WAIT_TIME_SECONDS", "1", "VISIBILITY_TIMEOUT_SECONDS", "10");

        try (LoaderWiring loader = loader(env)) {
            var poller = new dev.s3loader.loader.poller.QueuePoller(sqs, loader.processor(), queueUrl, 10,
                    Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ZERO);
            Thread t = Thread.ofPlatform().start(poller);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            List<Message> dead = List.of();
            while (dead.isEmpty() && System.nanoTime() < deadline) {
                dead = sqs.receiveMessage(b -> b.queueUrl(dlqUrl).waitTimeSeconds(1)).messages();
            }
            poller.stop();
            t.join();
            assertThat(dead).singleElement().satisfies(m -> assertThat(m.body()).isEqualTo("not json at all"));
        }
    }
}
