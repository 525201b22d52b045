package dev.s3loader.loader.poller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3loader.clients.S3Objects;
import dev.s3loader.embedded.SharedServers;
import dev.s3loader.loader.BatchProcessor;
import dev.s3loader.loader.Step;
import dev.s3loader.loader.StepHook;
import dev.s3loader.loader.destination.CopyDestination;
import dev.s3loader.loader.destination.Deadline;
import dev.s3loader.loader.destination.Destination;
import dev.s3loader.loader.destination.LoadResult;
import dev.s3loader.loader.internal.FileMover;
import dev.s3loader.loader.internal.LoaderMetrics;
import dev.s3loader.loader.ObjectCopier;
import dev.s3loader.model.FileMessage;
import dev.s3loader.model.Layout;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageResponse;

/**
 * The poller on a real ElasticMQ queue and S3Proxy bucket, with a destination the test holds until
 * it has seen the heartbeat at work: the test waits on events, never on a guessed duration.
 */
class QueuePollerTest {
    private S3Client s3;
    private SqsClient sqs;
    private String bucket;
    private String queueUrl;
    private ExecutorService workers;

    @BeforeEach
    void setUp() {
        s3 = SharedServers.s3().newClient();
        sqs = SharedServers.sqs().newClient();
        bucket = "poller-" + UUID.randomUUID().toString().substring(0, 8);
        s3.createBucket(b -> b.bucket(bucket));
        queueUrl = sqs.createQueue(b -> b.queueName(bucket).attributes(Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, "2")))
                .queueUrl();
        workers = Executors.newFixedThreadPool(4);
    }

    @AfterEach
    void tearDown() {
        workers.shutdownNow();
        s3.close();
        sqs.close();
    }

    private String dropAndEnqueue(String key) {
        s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromString("data"));
        var head = s3.headObject(b -> b.bucket(bucket).key(key));
        sqs.sendMessage(b -> b.queueUrl(queueUrl).messageBody(
                new FileMessage(bucket, key, head.eTag(), 4, Instant.now()).toJson()));
        return key;
    }

    @Test
    void run_loadLongerThanTheVisibilityTimeout_messageStaysHiddenThenIsDeleted_andStopFinishesTheBatch() throws Exception {
        // Arrange: a 3 s visibility timeout, extended every second by the heartbeat.
        dropAndEnqueue("incoming/slow.csv");
        HeldDestination held = new HeldDestination();
        Heartbeats heartbeats = new Heartbeats();
        BatchProcessor processor = processor(held, StepHook.NONE, Clock.systemUTC());
        var builder = SharedServers.sqs().newClientBuilder();
        try (SqsClient pollerSqs = builder.overrideConfiguration(builder.overrideConfiguration().toBuilder()
                .addExecutionInterceptor(heartbeats).build()).build()) {
            QueuePoller poller = new QueuePoller(pollerSqs, processor, queueUrl, 10, Duration.ofSeconds(3),
                    Duration.ofSeconds(1), Duration.ZERO);
            Thread thread = Thread.ofPlatform().start(poller);

            // Act: the load outlives its first visibility timeout (4 extensions of 3 s), then stops.
            assertThat(held.started.await(60, TimeUnit.SECONDS)).as("the batch started").isTrue();
            poller.stop(); // asked to stop mid-batch: it must still finish this one
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (heartbeats.accepted.get() < 4 && System.nanoTime() < deadline) {
                // Each receive waits on the server (long poll), not on a sleep; it must find nothing.
                assertThat(sqs.receiveMessage(b -> b.queueUrl(queueUrl).waitTimeSeconds(1).visibilityTimeout(1))
                        .messages()).as("the message stays hidden while its batch loads").isEmpty();
            }
            assertThat(heartbeats.accepted.get()).as("visibility extensions accepted").isGreaterThanOrEqualTo(4);
            held.release.countDown();
            thread.join(Duration.ofSeconds(60));

            // Assert
            assertThat(thread.isAlive()).isFalse();
        }
        assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket).key("processed/slow.csv")).asUtf8String()).isEqualTo("data");
        var attributes = sqs.getQueueAttributes(b -> b.queueUrl(queueUrl).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
                .attributes();
        assertThat(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)).isEqualTo("0");
        assertThat(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).isEqualTo("0");
    }

    @Test
    void run_slowMoveInTheCurrentBatch_nextBatchIsReceivedMeanwhile_andBothAreMoved() throws Exception {
        // Arrange: batches of one file; the first file's move is held after its copy, before its delete.
        dropAndEnqueue("incoming/first.csv");
        dropAndEnqueue("incoming/second.csv");
        CountDownLatch moving = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        StepHook holdFirstMove = (step, file) -> {
            if (step == Step.COPIED) {
                moving.countDown();
                awaitQuietly(release);
            }
        };
        BatchProcessor processor = processor(new CopyDestination.MoveOnly(), holdFirstMove, Clock.systemUTC());
        QueuePoller poller = new QueuePoller(sqs, processor, queueUrl, 1, Duration.ofSeconds(30), Duration.ofSeconds(1),
                Duration.ZERO);
        Thread thread = Thread.ofPlatform().start(poller);
        assertThat(moving.await(60, TimeUnit.SECONDS)).as("the first batch's move started").isTrue();

        // Act: while that move is held, the poller should already hold the second message (both hidden).
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        Map<QueueAttributeName, String> depth = depth();
        while (!depth.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE).equals("2")
                && System.nanoTime() < until) {
            paceOnTheServer();
            depth = depth();
        }
        Map<QueueAttributeName, String> whileHeld = depth;
        release.countDown();
        long drained = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!exists("processed/second.csv") && System.nanoTime() < drained) {
            paceOnTheServer();
        }
        poller.stop();
        thread.join(Duration.ofSeconds(60));

        // Assert
        assertThat(whileHeld).as("queue depth while the first batch's move was held")
                .isEqualTo(Map.of(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, "0",
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE, "2"));
        assertThat(thread.isAlive()).isFalse();
        assertThat(exists("processed/first.csv")).isTrue();
        assertThat(exists("processed/second.csv")).isTrue();
        assertThat(exists("incoming/first.csv")).isFalse();
        assertThat(exists("incoming/second.csv")).isFalse();
        assertThat(depth()).isEqualTo(Map.of(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, "0",
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE, "0"));
    }

    @Test
    void run_prefetchFailsWhileSqsIsUnreachable_pollerReceivesAgain_andLoadsWhatComesLater() throws Exception {
        // Arrange: the receive that prefetches the next batch fails as when the SQS endpoint is down (all its
        // attempts used up); the fault suite's restart of the SQS server found the pollers failing on that one
        // answer, once a second, for good.
        dropAndEnqueue("incoming/first.csv");
        java.util.concurrent.atomic.AtomicInteger receives = new java.util.concurrent.atomic.AtomicInteger();
        ExecutionInterceptor secondReceiveFails = new ExecutionInterceptor() {
            @Override
            public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                if (context.request() instanceof software.amazon.awssdk.services.sqs.model.ReceiveMessageRequest
                        && receives.incrementAndGet() == 2) {
                    throw software.amazon.awssdk.core.exception.SdkClientException.create(
                            "Unable to execute HTTP request: Connection refused (SDK Attempt Count: 3)");
                }
            }
        };
        BatchProcessor processor = processor(new CopyDestination.MoveOnly(), StepHook.NONE, Clock.systemUTC());
        try (SqsClient pollerSqs = SharedServers.sqs().newClientBuilder().overrideConfiguration(
                SharedServers.sqs().newClientBuilder().overrideConfiguration().toBuilder()
                        .addExecutionInterceptor(secondReceiveFails).build()).build()) {
            QueuePoller poller = new QueuePoller(pollerSqs, processor, queueUrl, 1, Duration.ofSeconds(30),
                    Duration.ofSeconds(1), Duration.ZERO);
            Thread thread = Thread.ofPlatform().start(poller);
            long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!exists("processed/first.csv") && System.nanoTime() < until) {
                paceOnTheServer();
            }

            // Act: a file dropped after the failed prefetch.
            dropAndEnqueue("incoming/second.csv");
            until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!exists("processed/second.csv") && System.nanoTime() < until) {
                paceOnTheServer();
            }
            poller.stop();
            thread.join(Duration.ofSeconds(60));

            // Assert
            assertThat(receives.get()).as("receives, the second of them failed").isGreaterThanOrEqualTo(3);
            assertThat(exists("processed/first.csv")).isTrue();
            assertThat(exists("processed/second.csv")).as("loaded after the failed prefetch").isTrue();
            assertThat(exists("incoming/second.csv")).isFalse();
            assertThat(thread.isAlive()).isFalse();
        }
    }

    @Test
    void stop_withANextBatchPrefetched_finishesTheCurrentOne_andGivesTheNextBackAtOnce() throws Exception {
        // Arrange: a 10-minute visibility, so a message not given back could not reappear during the test.
        dropAndEnqueue("incoming/loading.csv");
        dropAndEnqueue("incoming/prefetched.csv");
        CountDownLatch moving = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        StepHook holdFirstMove = (step, file) -> {
            if (step == Step.COPIED) {
                moving.countDown();
                awaitQuietly(release);
            }
        };
        BatchProcessor processor = processor(new CopyDestination.MoveOnly(), holdFirstMove, Clock.systemUTC());
        QueuePoller poller = new QueuePoller(sqs, processor, queueUrl, 1, Duration.ofMinutes(10), Duration.ofSeconds(1),
                Duration.ZERO);
        Thread thread = Thread.ofPlatform().start(poller);
        assertThat(moving.await(60, TimeUnit.SECONDS)).as("the first batch's move started").isTrue();
        long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!depth().get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE).equals("2")
                && System.nanoTime() < until) {
            paceOnTheServer();
        }
        assertThat(depth().get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).as("both batches held")
                .isEqualTo("2");

        // Act
        poller.stop();
        release.countDown();
        thread.join(Duration.ofSeconds(60));

        // Assert: the loading file is moved; the prefetched one is visible again and untouched.
        assertThat(thread.isAlive()).isFalse();
        assertThat(exists("processed/loading.csv")).isTrue();
        assertThat(exists("incoming/prefetched.csv")).isTrue();
        assertThat(exists("processed/prefetched.csv")).isFalse();
        assertThat(sqs.receiveMessage(b -> b.queueUrl(queueUrl).waitTimeSeconds(20).maxNumberOfMessages(10)).messages())
                .extracting(m -> FileMessage.fromJson(m.body()).key()).containsExactly("incoming/prefetched.csv");
    }

    @Test
    void run_prefetchedBatchWaitsOutMostOfItsDeadline_isHandedBackAndReceivedAgain_andNoLoadOutlivesItsReceive()
            throws Exception {
        // Arrange: batches of one file, a one-hour batch deadline on a clock the test moves; the first
        // batch's load is held while the second waits as the prefetched batch.
        dropAndEnqueue("incoming/first.csv");
        dropAndEnqueue("incoming/second.csv");
        MovableClock clock = new MovableClock();
        Receipts receipts = new Receipts(clock);
        RecordingDestination destination = new RecordingDestination();
        BatchProcessor processor = processor(destination, StepHook.NONE, clock);
        var builder = SharedServers.sqs().newClientBuilder();
        try (SqsClient pollerSqs = builder.overrideConfiguration(builder.overrideConfiguration().toBuilder()
                .addExecutionInterceptor(receipts).build()).build()) {
            QueuePoller poller = new QueuePoller(pollerSqs, processor, queueUrl, 1, Duration.ofMinutes(10),
                    Duration.ofSeconds(1), Duration.ZERO, Duration.ofHours(1), clock);
            Thread thread = Thread.ofPlatform().start(poller);
            assertThat(destination.firstStarted.await(60, TimeUnit.SECONDS)).as("the first batch started").isTrue();
            // Waits on the poller's own client having seen the receive (the queue's count may show it a moment before).
            long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (receipts.of("incoming/second.csv").isEmpty() && System.nanoTime() < until) {
                paceOnTheServer();
            }
            assertThat(receipts.of("incoming/second.csv")).as("the second batch was prefetched").hasSize(1);

            // Act: the first load takes 50 of the second batch's 60 minutes, then ends.
            clock.advance(Duration.ofMinutes(50));
            destination.releaseFirst.countDown();
            long drained = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!exists("processed/second.csv") && System.nanoTime() < drained) {
                paceOnTheServer();
            }
            poller.stop();
            thread.join(Duration.ofSeconds(60));
            assertThat(thread.isAlive()).isFalse();
        }

        // Assert: each load ends by its own receive plus the deadline; the stale prefetched batch was not
        // started but handed back and received afresh; each file loaded once and settled.
        for (String key : List.of("incoming/first.csv", "incoming/second.csv")) {
            assertThat(destination.deadlines.get(key)).as("deadlines of the loads of " + key).hasSize(1);
            List<Instant> received = receipts.of(key);
            assertThat(destination.deadlines.get(key).getFirst()).as("the deadline of " + key + "'s load")
                    .isBeforeOrEqualTo(received.getLast().plus(Duration.ofHours(1)));
        }
        assertThat(receipts.of("incoming/second.csv")).as("receives of the prefetched file").hasSize(2);
        assertThat(exists("processed/first.csv")).isTrue();
        assertThat(exists("processed/second.csv")).isTrue();
        assertThat(exists("incoming/second.csv")).isFalse();
        assertThat(depth()).isEqualTo(Map.of(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, "0",
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE, "0"));
    }

    @Test
    void heartbeat_nearSqsTwelveHourCap_asksOnlyForWhatIsLeft_andNothingPastIt() throws Exception {
        // Arrange: a 3 s visibility (a heartbeat a second) on a clock the test moves; the load is held.
        dropAndEnqueue("incoming/long.csv");
        MovableClock clock = new MovableClock();
        Extensions extensions = new Extensions();
        HeldDestination held = new HeldDestination();
        BatchProcessor processor = processor(held, StepHook.NONE, clock);
        var builder = SharedServers.sqs().newClientBuilder();
        try (SqsClient pollerSqs = builder.overrideConfiguration(builder.overrideConfiguration().toBuilder()
                .addExecutionInterceptor(extensions).build()).build()) {
            QueuePoller poller = new QueuePoller(pollerSqs, processor, queueUrl, 10, Duration.ofSeconds(3),
                    Duration.ofSeconds(1), Duration.ZERO, null, clock);
            Thread thread = Thread.ofPlatform().start(poller);
            assertThat(held.started.await(60, TimeUnit.SECONDS)).as("the batch started").isTrue();

            // Act: 12 hours less 2 s after the receive, then past the 12 hours.
            clock.advance(Duration.ofHours(12).minusSeconds(2));
            int before = extensions.requested.size();
            awaitMore(extensions, before);
            List<Integer> nearTheCap = List.copyOf(extensions.requested.subList(before, extensions.requested.size()));
            clock.advance(Duration.ofSeconds(10));
            int past = extensions.requested.size();
            // Two long polls on the server: the heartbeat ticks meanwhile, and must ask for nothing.
            paceOnTheServer();
            paceOnTheServer();
            int afterTheCap = extensions.requested.size() - past;
            held.release.countDown();
            poller.stop();
            thread.join(Duration.ofSeconds(60));

            // Assert
            assertThat(nearTheCap).as("timeouts asked for 2 s before the cap").isNotEmpty().allMatch(t -> t <= 2);
            assertThat(afterTheCap).as("extensions asked for past the cap").isLessThanOrEqualTo(1);
        }
    }

    @Test
    void run_eventQueueBesideTheListersQueue_loadsFromBoth_andSettlesEachOnItsOwnQueue() throws Exception {
        // Arrange: one lister message on the load queue, one message on the events' queue.
        String eventQueue = sqs.createQueue(b -> b.queueName(bucket + "-events")).queueUrl();
        dropAndEnqueue("incoming/listed.csv");
        s3.putObject(b -> b.bucket(bucket).key("incoming/evented.csv"), RequestBody.fromString("data"));
        var head = s3.headObject(b -> b.bucket(bucket).key("incoming/evented.csv"));
        sqs.sendMessage(b -> b.queueUrl(eventQueue).messageBody(
                new FileMessage(bucket, "incoming/evented.csv", head.eTag(), 4, Instant.now()).toJson()));
        BatchProcessor processor = processor(new CopyDestination.MoveOnly(), StepHook.NONE, Clock.systemUTC());
        QueuePoller poller = new QueuePoller(sqs, processor, queueUrl, java.util.Optional.of(eventQueue), 10,
                Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ZERO, Duration.ofHours(1), Clock.systemUTC());

        // Act
        Thread thread = Thread.ofPlatform().start(poller);
        long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!(exists("processed/listed.csv") && exists("processed/evented.csv")) && System.nanoTime() < until) {
            paceOnTheServer();
        }
        poller.stop();
        thread.join(Duration.ofSeconds(60));

        // Assert: both moved, and each message deleted from the queue it came from.
        assertThat(exists("processed/listed.csv")).isTrue();
        assertThat(exists("processed/evented.csv")).isTrue();
        assertThat(depth()).isEqualTo(Map.of(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, "0",
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE, "0"));
        assertThat(sqs.getQueueAttributes(b -> b.queueUrl(eventQueue).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes())
                .isEqualTo(Map.of(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, "0",
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE, "0"));
    }

    /** Waits (on the server's long polls, at most a minute) until the heartbeat asks for more extensions. */
    private void awaitMore(Extensions extensions, int than) {
        long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (extensions.requested.size() <= than && System.nanoTime() < until) {
            paceOnTheServer();
        }
    }

    /** The visibility timeouts the poller asked for, seen on the wire (a hand-back's 0 excluded). */
    private static final class Extensions implements ExecutionInterceptor {
        final List<Integer> requested = new CopyOnWriteArrayList<>();

        @Override
        public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
            if (context.request() instanceof software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequest r) {
                r.entries().stream().map(e -> e.visibilityTimeout()).filter(t -> t > 0).forEach(requested::add);
            }
        }
    }

    /** A clock the test moves: hours pass in an instant. */
    private static final class MovableClock extends Clock {
        private final AtomicReference<Instant> now =
                new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));

        void advance(Duration d) {
            now.updateAndGet(t -> t.plus(d));
        }

        @Override
        public Instant instant() {
            return now.get();
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    /** When (on the test's clock) SQS handed each file's message to the poller. */
    private static final class Receipts implements ExecutionInterceptor {
        private final Clock clock;
        private final Map<String, List<Instant>> byKey = new ConcurrentHashMap<>();

        Receipts(Clock clock) {
            this.clock = clock;
        }

        List<Instant> of(String key) {
            return byKey.getOrDefault(key, List.of());
        }

        @Override
        public void afterExecution(Context.AfterExecution context,
                                   ExecutionAttributes attributes) {
            if (context.response() instanceof ReceiveMessageResponse r) {
                r.messages().forEach(m -> byKey.computeIfAbsent(FileMessage.fromJson(m.body()).key(),
                        k -> new CopyOnWriteArrayList<>()).add(clock.instant()));
            }
        }
    }

    /** Loads every file; holds the first load until the test releases it; records each load's deadline. */
    private static final class RecordingDestination implements Destination {
        final CountDownLatch firstStarted = new CountDownLatch(1);
        final CountDownLatch releaseFirst = new CountDownLatch(1);
        final Map<String, List<Instant>> deadlines = new ConcurrentHashMap<>();

        @Override
        public List<LoadResult> load(List<FileMessage> files,
                String batchId, Deadline deadline) {
            files.forEach(f -> deadlines.computeIfAbsent(f.key(), k -> new CopyOnWriteArrayList<>())
                    .add(deadline.at()));
            if (firstStarted.getCount() > 0) {
                firstStarted.countDown();
                awaitQuietly(releaseFirst);
            }
            return files.stream().<LoadResult>map(
                    f -> new LoadResult.Loaded(f, 1)).toList();
        }
    }

    /** The batch processor every poller here runs: moves with the real copier, 5 receives before giving up. */
    private BatchProcessor processor(Destination destination, StepHook hook, Clock clock) {
        FileMover mover = new FileMover(s3, new ObjectCopier(s3, 5L << 30, 512L << 20, workers));
        return new BatchProcessor(destination, mover, Layout.defaults(),
                new LoaderMetrics("s3loader", "test", line -> { }, clock), workers, 5, hook, clock);
    }

    /** A second's long poll on an empty queue of its own: paces a wait without touching the poller's queue. */
    private void paceOnTheServer() {
        String pace = sqs.createQueue(b -> b.queueName(bucket + "-pace")).queueUrl();
        sqs.receiveMessage(b -> b.queueUrl(pace).waitTimeSeconds(1));
    }

    private Map<QueueAttributeName, String> depth() {
        return sqs.getQueueAttributes(b -> b.queueUrl(queueUrl).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
    }

    private boolean exists(String key) {
        return S3Objects.exists(s3, bucket, key);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            if (!latch.await(120, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test never released the move");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
