package dev.s3loader.lister;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3loader.embedded.EmbeddedCloudWatch;
import dev.s3loader.embedded.SharedServers;
import dev.s3loader.lister.internal.CloudWatchBacklogPublisher;
import dev.s3loader.lister.internal.MessageSender;
import dev.s3loader.model.FileMessage;
import dev.s3loader.model.ListerConfig;
import dev.s3loader.model.ListerState;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;

/** The lister against real S3 (S3Proxy), SQS (ElasticMQ) and the real CloudWatch client on a local endpoint. */
@ResourceLock("cloudwatch")
class ListerServiceTest {
    private S3Client s3;
    private SqsClient sqs;
    private CloudWatchClient cloudWatch;
    private String bucket;
    private String queueUrl;

    @BeforeEach
    void setUp() {
        s3 = SharedServers.s3().newClient();
        sqs = SharedServers.sqs().newClient();
        cloudWatch = SharedServers.cloudWatch().newClient();
        SharedServers.cloudWatch().reset();
        bucket = "lister-" + UUID.randomUUID().toString().substring(0, 8);
        s3.createBucket(b -> b.bucket(bucket));
        queueUrl = sqs.createQueue(b -> b.queueName(bucket)).queueUrl();
    }

    @AfterEach
    void tearDown() {
        s3.close();
        sqs.close();
        cloudWatch.close();
    }

    /** A clock the test moves forward, so hours of queue time pass in a moment. */
    static final class MovableClock extends Clock {
        private volatile java.time.Instant now = java.time.Instant.now();

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public java.time.Instant instant() {
            return now;
        }
    }

    private ListerService lister(SqsClient client, String... kv) {
        return lister(client, Clock.systemUTC(), s3, kv);
    }

    private ListerService lister(SqsClient client, Clock clock, S3Client stateS3, String... kv) {
        Map<String, String> env = new java.util.HashMap<>(Map.of("BUCKET", bucket, "QUEUE_URL", queueUrl,
                "PIPELINE_NAME", "orders"));
        for (int i = 0; i < kv.length; i += 2) {
            env.put(kv[i], kv[i + 1]);
        }
        ListerConfig c = ListerConfig.fromEnv(env);
        return new ListerService(c, new dev.s3loader.lister.internal.RangeListing(s3, bucket, c.layout(), 2),
                new StateStore(stateS3, bucket, c.layout().listerStateKey()),
                new MessageSender(client, queueUrl, 5, Duration.ofMillis(10), 8),
                new dev.s3loader.lister.internal.QueueDepth(sqs, queueUrl),
                new CloudWatchBacklogPublisher(cloudWatch, c.metricsNamespace(), c.pipelineName(), clock),
                new dev.s3loader.lister.internal.LastRunStore(stateS3, bucket, c.layout().listerLastRunKey()), clock);
    }

    private void put(String key, int bytes) {
        s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(new byte[bytes]));
    }

    private List<FileMessage> drainQueue() {
        List<FileMessage> all = new ArrayList<>();
        for (List<Message> got; !(got = sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(10)
                .waitTimeSeconds(0)).messages()).isEmpty(); ) {
            got.forEach(m -> all.add(FileMessage.fromJson(m.body())));
        }
        return all;
    }

    /** Receives and deletes every message, as a loader that died after acknowledging would: the files stay. */
    private int loseAllMessages() {
        int n = 0;
        for (List<Message> got; !(got = sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(10)
                .waitTimeSeconds(0)).messages()).isEmpty(); ) {
            for (Message m : got) {
                sqs.deleteMessage(b -> b.queueUrl(queueUrl).receiptHandle(m.receiptHandle()));
                n++;
            }
        }
        return n;
    }

    private ListerState state() {
        return ListerState.decode(s3.getObjectAsBytes(b -> b.bucket(bucket).key("_s3loader/lister-state")).asByteArray());
    }

    private int messagesInQueue() {
        var a = sqs.getQueueAttributes(b -> b.queueUrl(queueUrl).attributeNames(
                software.amazon.awssdk.services.sqs.model.QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                software.amazon.awssdk.services.sqs.model.QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
                .attributes();
        return a.values().stream().mapToInt(Integer::parseInt).sum();
    }

    @Test
    void runOnce_backlogSlowerThanRequeueAfter_healthyMessagesAreNotSentAgain() {
        put("incoming/slow/a.csv", 1);
        put("incoming/slow/b.csv", 1);
        MovableClock clock = new MovableClock();
        lister(sqs, clock, s3, "REQUEUE_AFTER_MINUTES", "60").runOnce();
        assertThat(messagesInQueue()).isEqualTo(2);

        // Hours pass; the fleet has not reached these messages yet, but they are still in the queue.
        clock.advance(Duration.ofHours(3));
        Backlog b = lister(sqs, clock, s3, "REQUEUE_AFTER_MINUTES", "60").runOnce();

        assertThat(b.enqueued()).isZero();
        assertThat(messagesInQueue()).isEqualTo(2);
        assertThat(state().entries().values()).allSatisfy(e -> assertThat(e.attempts()).isEqualTo(1));
    }

    @Test
    void runOnce_messagesReallyLost_areSentAgainOnce() {
        put("incoming/lost/a.csv", 1);
        put("incoming/lost/b.csv", 1);
        MovableClock clock = new MovableClock();
        lister(sqs, clock, s3, "REQUEUE_AFTER_MINUTES", "60").runOnce();
        assertThat(loseAllMessages()).isEqualTo(2); // the messages are gone, the files still wait

        clock.advance(Duration.ofMinutes(30));
        assertThat(lister(sqs, clock, s3, "REQUEUE_AFTER_MINUTES", "60").runOnce().enqueued())
                .as("not before REQUEUE_AFTER_MINUTES").isZero();
        clock.advance(Duration.ofMinutes(31));
        Backlog b = lister(sqs, clock, s3, "REQUEUE_AFTER_MINUTES", "60").runOnce();

        assertThat(b.enqueued()).isEqualTo(2);
        assertThat(drainQueue()).extracting(FileMessage::key)
                .containsExactlyInAnyOrder("incoming/lost/a.csv", "incoming/lost/b.csv");
        assertThat(state().entries().values()).allSatisfy(e -> assertThat(e.attempts()).isEqualTo(2));
    }

    @Test
    void runOnce_stuckEntries_doNotHoldInFlightRoom() {
        put("incoming/stuck/a.csv", 1);
        put("incoming/stuck/b.csv", 1);
        MovableClock clock = new MovableClock();
        String[] env = {"REQUEUE_AFTER_MINUTES", "60", "MAX_IN_FLIGHT_FILES", "2", "MAX_ATTEMPTS", "1"};
        lister(sqs, clock, s3, env).runOnce();
        loseAllMessages(); // lost, and with MAX_ATTEMPTS 1 never sent again: stuck
        put("incoming/stuck/c.csv", 1);

        clock.advance(Duration.ofHours(2));
        Backlog b = lister(sqs, clock, s3, env).runOnce();

        assertThat(b.stuck()).isEqualTo(2);
        assertThat(drainQueue()).extracting(FileMessage::key).containsExactly("incoming/stuck/c.csv");
    }

    @Test
    void runOnce_stateChangedByAnotherWriter_failsTheRunAndPublishesNothing() {
        put("incoming/race/a.csv", 1);
        lister(sqs).runOnce();
        put("incoming/race/b.csv", 1);
        SharedServers.cloudWatch().reset();
        // Another lister writes the state between this run's read and its conditional write.
        S3Client racing = SharedServers.s3().newClientBuilder()
                .overrideConfiguration(dev.s3loader.clients.AwsClients.retries().toBuilder()
                        .addExecutionInterceptor(dev.s3loader.clients.NoExpectContinueInterceptor.INSTANCE)
                        .addExecutionInterceptor(new software.amazon.awssdk.core.interceptor.ExecutionInterceptor() {
                            @Override
                            public void beforeExecution(software.amazon.awssdk.core.interceptor.Context.BeforeExecution context,
                                                        software.amazon.awssdk.core.interceptor.ExecutionAttributes attributes) {
                                if (context.request() instanceof software.amazon.awssdk.services.s3.model.PutObjectRequest) {
                                    s3.putObject(b -> b.bucket(bucket).key("_s3loader/lister-state"),
                                            RequestBody.fromBytes(ListerState.empty().encode()));
                                }
                            }
                        }).build())
                .build();

        try {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> lister(sqs, Clock.systemUTC(), racing).runOnce())
                    .hasMessageContaining("another");
        } finally {
            racing.close();
        }
        assertThat(SharedServers.cloudWatch().calls()).isEmpty();
    }

    @Test
    void runOnce_backlogTooLargeForOneRun_dispatchesEveryRunAndFinishesThePassOverSeveral() {
        for (int i = 0; i < 250; i++) {
            put(String.format("incoming/big/f%03d.csv", i), 1);
        }
        ListerService lister = lister(sqs, "LIST_RANGES", "4");

        Backlog first = lister.runOnce(Duration.ofMinutes(5), 100);
        Backlog second = lister.runOnce(Duration.ofMinutes(5), 100);
        Backlog third = lister.runOnce(Duration.ofMinutes(5), 100);

        assertThat(List.of(first.enqueued(), second.enqueued(), third.enqueued())).containsExactly(100, 100, 50);
        assertThat(List.of(first.passComplete(), second.passComplete(), third.passComplete()))
                .containsExactly(false, false, true);
        assertThat(third.files()).isEqualTo(250);
        assertThat(third.inFlight()).isEqualTo(250);
        List<FileMessage> sent = drainQueue();
        assertThat(sent).hasSize(250);
        assertThat(new HashSet<>(sent.stream().map(FileMessage::key).toList())).hasSize(250);
        // The next pass is split into 4 ranges at the quantiles of the keys seen.
        assertThat(state().pass().orElseThrow().ranges()).isEqualTo(4);

        // 100 files leave incoming/ (loaded); a full pass over the 4 ranges forgets exactly those and sends nothing twice.
        for (int i = 0; i < 250; i += 5) {
            for (int j = i; j < i + 2; j++) {
                String k = String.format("incoming/big/f%03d.csv", j);
                s3.deleteObject(b -> b.bucket(bucket).key(k));
            }
        }
        Backlog full = lister.runOnce();
        assertThat(full.passComplete()).isTrue();
        assertThat(full.files()).isEqualTo(150);
        assertThat(full.enqueued()).isZero();
        assertThat(state().entries()).hasSize(150);
    }

    @Test
    void runOnce_partialRun_keepsInFlightFilesItDidNotListAndForgetsOnlyWhatItCovered() {
        for (int i = 0; i < 40; i++) {
            put(String.format("incoming/part/f%02d.csv", i), 1);
        }
        ListerService lister = lister(sqs, "LIST_RANGES", "1");
        lister.runOnce(); // all 40 in flight; the next pass is one range again
        s3.deleteObject(b -> b.bucket(bucket).key("incoming/part/f05.csv"));
        s3.deleteObject(b -> b.bucket(bucket).key("incoming/part/f30.csv"));

        // Lists f00..f19 (f05 is gone): only f05 is forgotten; f30, past the cursor, is still in flight.
        lister.runOnce(Duration.ofMinutes(5), 19);

        assertThat(state().entries()).hasSize(39).doesNotContainKey("incoming/part/f05.csv")
                .containsKey("incoming/part/f30.csv");
        lister.runOnce(Duration.ofMinutes(5), 100);
        assertThat(state().entries()).hasSize(38).doesNotContainKey("incoming/part/f30.csv");
    }

    @Test
    void runOnce_keysAcrossUnicodeAndRanges_eachListedExactlyOnce() {
        // U+FF01 sorts before U+1F600 in S3's UTF-8 order but after it in Java's UTF-16 order.
        String[] rels = {"a", "b", "z", "\uFF01", "\uFF01x", "\uD83D\uDE00", "\uD83D\uDE00y", "\u00E9", "\u0001c", "c\r", "t\t", "s ", "~"};
        for (String rel : rels) {
            for (int i = 0; i < 5; i++) {
                put("incoming/" + rel + i, 1);
            }
        }
        ListerService lister = lister(sqs, "LIST_RANGES", "5");
        lister.runOnce(); // learns the boundaries
        drainQueue();
        assertThat(state().pass().orElseThrow().ranges()).isGreaterThan(1);
        s3.putObject(b -> b.bucket(bucket).key("incoming/new\uD83D\uDE00"), RequestBody.fromString("x"));

        Backlog b = lister.runOnce();

        assertThat(b.files()).isEqualTo(rels.length * 5 + 1);
        assertThat(drainQueue()).extracting(FileMessage::key).containsExactly("incoming/new\uD83D\uDE00");
        assertThat(state().entries()).hasSize(rels.length * 5 + 1);
    }

    /** The production wiring (what the handler, ListerMain and the local runtime run) over the given S3 client. */
    private ListerService wired(S3Client client, Clock clock) {
        ListerConfig c = ListerConfig.fromEnv(Map.of("BUCKET", bucket, "QUEUE_URL", queueUrl, "PIPELINE_NAME", "orders"));
        return ListerWiring.service(c, client, sqs, backlog -> { }, clock);
    }

    private dev.s3loader.model.ListerRun lastRun() {
        return dev.s3loader.model.ListerRun.fromJson(s3.getObjectAsBytes(b -> b.bucket(bucket)
                .key("_s3loader/lister/last-run.json")).asUtf8String());
    }

    /** An S3 client that runs {@code before} ahead of each PutObject whose key is {@code key}. */
    private S3Client onPut(String key, Runnable before) {
        return SharedServers.s3().newClientBuilder()
                .overrideConfiguration(dev.s3loader.clients.AwsClients.retries().toBuilder()
                        .addExecutionInterceptor(dev.s3loader.clients.NoExpectContinueInterceptor.INSTANCE)
                        .addExecutionInterceptor(new software.amazon.awssdk.core.interceptor.ExecutionInterceptor() {
                            @Override
                            public void beforeExecution(software.amazon.awssdk.core.interceptor.Context.BeforeExecution context,
                                                        software.amazon.awssdk.core.interceptor.ExecutionAttributes attributes) {
                                if (context.request() instanceof software.amazon.awssdk.services.s3.model.PutObjectRequest put
                                        && put.key().equals(key)) {
                                    before.run();
                                }
                            }
                        }).build())
                .build();
    }

    @Test
    void runOnce_finished_recordsTheRunAndItsFiguresForStatus() {
        put("incoming/rec/a.csv", 10);
        put("incoming/rec/b c+d.csv", 20);
        put("incoming/rec/\u0001ctl\r.csv", 30);
        MovableClock clock = new MovableClock();

        wired(s3, clock).runOnce();

        dev.s3loader.model.ListerRun run = lastRun();
        assertThat(run.ok()).isTrue();
        assertThat(run.startedAt()).isEqualTo(clock.instant());
        assertThat(run.endedAt()).isEqualTo(clock.instant());
        assertThat(run.figures()).hasValueSatisfying(f -> {
            assertThat(f.listed()).isEqualTo(3);
            assertThat(f.dispatched()).isEqualTo(3);
            assertThat(f.requeued()).isZero();
            assertThat(f.inFlight()).isEqualTo(3);
            assertThat(f.stuck()).isZero();
            assertThat(f.backlogFiles()).isEqualTo(3);
            assertThat(f.backlogBytes()).isEqualTo(60);
            assertThat(f.passComplete()).isTrue();
        });
    }

    @Test
    void runOnce_messagesLost_recordsTheRequeues() {
        put("incoming/req/a.csv", 1);
        MovableClock clock = new MovableClock();
        wired(s3, clock).runOnce();
        loseAllMessages();
        clock.advance(Duration.ofMinutes(61));

        wired(s3, clock).runOnce();

        assertThat(lastRun().figures().orElseThrow().requeued()).isEqualTo(1);
        assertThat(lastRun().figures().orElseThrow().dispatched()).isEqualTo(1);
    }

    @Test
    void runOnce_failed_recordsTheOutcomeAndTheErrorAndStillFails() {
        put("incoming/fail/a.csv", 1);
        wired(s3, Clock.systemUTC()).runOnce();
        put("incoming/fail/b.csv", 1);
        // Another lister writes the state between this run's read and its conditional write.
        S3Client racing = onPut("_s3loader/lister-state", () -> s3.putObject(b -> b.bucket(bucket).key("_s3loader/lister-state"),
                RequestBody.fromBytes(ListerState.empty().encode())));
        try {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> wired(racing, Clock.systemUTC()).runOnce())
                    .isInstanceOf(ListerService.StateConflictException.class);
        } finally {
            racing.close();
        }

        dev.s3loader.model.ListerRun run = lastRun();
        assertThat(run.ok()).isFalse();
        assertThat(run.error().orElseThrow()).contains("changed by another writer");
        assertThat(run.figures()).isEmpty();
    }

    @Test
    void runOnce_recordCannotBeWritten_runStillDispatchesAndSavesItsState() {
        put("incoming/norec/a.csv", 1);
        S3Client refusing = onPut("_s3loader/lister/last-run.json", () -> {
            throw software.amazon.awssdk.services.s3.model.S3Exception.builder().statusCode(403).message("Access Denied").build();
        });
        Backlog b;
        try {
            b = wired(refusing, Clock.systemUTC()).runOnce();
        } finally {
            refusing.close();
        }

        assertThat(b.enqueued()).isEqualTo(1);
        assertThat(drainQueue()).extracting(FileMessage::key).containsExactly("incoming/norec/a.csv");
        assertThat(state().entries()).containsOnlyKeys("incoming/norec/a.csv");
        assertThat(s3.listObjectsV2(r -> r.bucket(bucket).prefix("_s3loader/lister/")).contents()).isEmpty();
    }

    @Test
    void runOnce_newFiles_enqueuedOncePublishedAndRecorded() {
        put("incoming/a.csv", 10);
        put("incoming/sub dir/b+c.csv", 20);
        put("incoming/ünï 😀.csv", 30);
        put("incoming/folder/", 0);
        put("processed/old.csv", 99);

        Backlog b = lister(sqs).runOnce();

        assertThat(b.files()).isEqualTo(3);
        assertThat(b.bytes()).isEqualTo(60);
        assertThat(drainQueue()).extracting(FileMessage::key)
                .containsExactlyInAnyOrder("incoming/a.csv", "incoming/sub dir/b+c.csv", "incoming/ünï 😀.csv");
        assertThat(state().entries()).containsOnlyKeys("incoming/a.csv", "incoming/sub dir/b+c.csv", "incoming/ünï 😀.csv");

        assertThat(SharedServers.cloudWatch().calls()).singleElement().satisfies(call -> {
            assertThat(call.namespace()).isEqualTo("s3loader");
            Map<String, Double> values = new java.util.HashMap<>();
            call.metricData().forEach(d -> {
                assertThat(d.dimensions()).containsExactly(Map.entry("Pipeline", "orders"));
                values.put(d.metricName(), d.value());
            });
            assertThat(values).containsOnlyKeys(BacklogMetrics.ALL);
            assertThat(values).containsEntry("BacklogFiles", 3.0).containsEntry("BacklogBytes", 60.0)
                    .containsEntry("InFlightFiles", 3.0).containsEntry("EnqueuedFiles", 3.0)
                    .containsEntry("StuckFiles", 0.0);
        });
    }

    @Test
    void runOnce_again_sendsNothingTwiceAndForgetsFinishedFiles() {
        put("incoming/a.csv", 1);
        put("incoming/b.csv", 1);
        ListerService lister = lister(sqs);
        lister.runOnce();
        assertThat(drainQueue()).hasSize(2);

        s3.deleteObject(b -> b.bucket(bucket).key("incoming/a.csv"));
        Backlog second = lister.runOnce();

        assertThat(drainQueue()).isEmpty();
        assertThat(second.inFlight()).isEqualTo(1);
        assertThat(state().entries()).containsOnlyKeys("incoming/b.csv");
    }

    @Test
    void runOnce_boundReached_oldestFilesGoFirstAndTheRestWait() throws Exception {
        for (int i = 0; i < 5; i++) {
            put("incoming/f" + (4 - i) + ".csv", 1);
            Thread.sleep(1100); // S3 times have one-second resolution in listings
        }

        Backlog b = lister(sqs, "MAX_IN_FLIGHT_FILES", "2").runOnce();

        assertThat(drainQueue()).extracting(FileMessage::key).containsExactlyInAnyOrder("incoming/f4.csv", "incoming/f3.csv");
        assertThat(b.waiting()).isEqualTo(3);
        assertThat(b.oldestAge()).isGreaterThanOrEqualTo(Duration.ofSeconds(4));
    }

    @Test
    void runOnce_sqsRefusesSomeEntries_theyAreSentAgainNotDropped() {
        for (int i = 0; i < 25; i++) {
            put("incoming/f" + i + ".csv", 1);
        }
        RefusingFirstEntryOnce flaky = new RefusingFirstEntryOnce(sqs);

        Backlog b = lister(flaky).runOnce();

        assertThat(flaky.refused).isTrue();
        assertThat(b.enqueued()).isEqualTo(25);
        assertThat(new HashSet<>(drainQueue().stream().map(FileMessage::key).toList())).hasSize(25);
    }

    @Test
    void runOnce_cloudWatchThrottlesOnce_theSdkRetries() {
        put("incoming/a.csv", 1);
        SharedServers.cloudWatch().failNext(1, EmbeddedCloudWatch.Failure.THROTTLING);

        lister(sqs).runOnce();

        assertThat(SharedServers.cloudWatch().calls()).hasSize(1);
    }

    @Test
    void runOnce_cloudWatchDown_runStillDispatchesAndSavesState() {
        put("incoming/a.csv", 1);
        SharedServers.cloudWatch().failNext(100, EmbeddedCloudWatch.Failure.SERVER_ERROR);
        try {
            lister(sqs).runOnce();
        } finally {
            SharedServers.cloudWatch().failNext(0, EmbeddedCloudWatch.Failure.SERVER_ERROR);
        }

        assertThat(drainQueue()).hasSize(1);
        assertThat(state().entries()).containsOnlyKeys("incoming/a.csv");
        assertThat(SharedServers.cloudWatch().calls()).isEmpty();
    }

    @Test
    void handleRequest_withRunFor_refillsFreedRoomWithinTheSameInvocation() throws Exception {
        for (int i = 0; i < 4; i++) {
            put("incoming/f" + i + ".csv", 1);
            Thread.sleep(1100); // distinct listing times, so "oldest first" is well defined
        }
        ListerHandler handler = new ListerHandler(lister(sqs, "MAX_IN_FLIGHT_FILES", "2"), Duration.ofSeconds(20),
                Duration.ofMillis(500));
        var result = java.util.concurrent.CompletableFuture.supplyAsync(() -> handler.handleRequest(null, null));

        // Play the loader: take the first two messages and finish their files.
        List<FileMessage> first = new ArrayList<>();
        while (first.size() < 2) {
            sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(10).waitTimeSeconds(1)).messages()
                    .forEach(m -> first.add(FileMessage.fromJson(m.body())));
        }
        first.forEach(f -> s3.deleteObject(b -> b.bucket(bucket).key(f.key())));
        Map<String, Object> summary = result.get(60, java.util.concurrent.TimeUnit.SECONDS);

        assertThat(first).extracting(FileMessage::key).containsExactlyInAnyOrder("incoming/f0.csv", "incoming/f1.csv");
        assertThat(drainQueue()).extracting(FileMessage::key).containsExactlyInAnyOrder("incoming/f2.csv", "incoming/f3.csv");
        assertThat(summary).containsEntry(BacklogMetrics.IN_FLIGHT_FILES, 2).containsEntry(BacklogMetrics.BACKLOG_FILES, 2L);
    }

    /** ElasticMQ never refuses part of a batch, so this refuses the first entry of the first call, as SQS may. */
    private static final class RefusingFirstEntryOnce implements SqsClient {
        private final SqsClient delegate;
        private final AtomicBoolean refusedOnce = new AtomicBoolean();
        volatile boolean refused;

        RefusingFirstEntryOnce(SqsClient delegate) {
            this.delegate = delegate;
        }

        @Override
        public SendMessageBatchResponse sendMessageBatch(SendMessageBatchRequest request) {
            if (!refusedOnce.compareAndSet(false, true)) {
                return delegate.sendMessageBatch(request);
            }
            refused = true;
            SendMessageBatchRequestEntry first = request.entries().getFirst();
            List<SendMessageBatchRequestEntry> rest = request.entries().subList(1, request.entries().size());
            SendMessageBatchResponse sent = delegate.sendMessageBatch(request.toBuilder().entries(rest).build());
            return sent.toBuilder().failed(BatchResultErrorEntry.builder().id(first.id()).code("InternalError")
                    .message("try again").senderFault(false).build()).build();
        }

        @Override
        public String serviceName() {
            return delegate.serviceName();
        }

        @Override
        public void close() {
        }
    }
}
