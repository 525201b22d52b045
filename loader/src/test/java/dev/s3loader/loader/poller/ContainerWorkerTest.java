package dev.s3loader.loader.poller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3loader.clients.S3Objects;
import dev.s3loader.embedded.SharedServers;
import dev.s3loader.loader.BatchProcessor;
import dev.s3loader.loader.StepHook;
import dev.s3loader.loader.destination.Destination;
import dev.s3loader.loader.internal.FileMover;
import dev.s3loader.loader.internal.LoaderMetrics;
import dev.s3loader.loader.ObjectCopier;
import dev.s3loader.model.FileMessage;
import dev.s3loader.model.Layout;
import dev.s3loader.model.PollerConfig;
import dev.s3loader.model.WorkerConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageResponse;

/**
 * The container worker (what {@code LoaderMain} runs in an ECS task) on a real ElasticMQ queue and
 * S3Proxy bucket: a load longer than the visibility timeout stays with its worker, and SIGTERM's
 * shutdown either finishes the batch in its grace or hands the messages straight back. The tests
 * wait on events (a held load, heartbeats seen on the wire, long polls on the server), never on a
 * guessed duration.
 */
class ContainerWorkerTest {
    private S3Client s3;
    private SqsClient sqs;
    private String bucket;
    private String queueUrl;
    private ExecutorService workers;
    private final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeEach
    void setUp() {
        s3 = SharedServers.s3().newClient();
        sqs = SharedServers.sqs().newClient();
        bucket = "worker-" + UUID.randomUUID().toString().substring(0, 8);
        s3.createBucket(b -> b.bucket(bucket));
        queueUrl = sqs.createQueue(b -> b.queueName(bucket).attributes(Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, "2")))
                .queueUrl();
        workers = Executors.newFixedThreadPool(8);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
        workers.shutdownNow();
        s3.close();
        sqs.close();
    }

    /** Counts the messages SQS handed to one client. */
    private static final class Receipts implements ExecutionInterceptor {
        final AtomicInteger messages = new AtomicInteger();

        @Override
        public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
            if (context.response() instanceof ReceiveMessageResponse r) {
                messages.addAndGet(r.messages().size());
            }
        }
    }

    private SqsClient client(ExecutionInterceptor interceptor) {
        var builder = SharedServers.sqs().newClientBuilder();
        SqsClient client = builder.overrideConfiguration(builder.overrideConfiguration().toBuilder()
                .addExecutionInterceptor(interceptor).build()).build();
        closing.add(client);
        return client;
    }

    private BatchProcessor processor(Destination destination) {
        FileMover mover = new FileMover(s3, new ObjectCopier(s3, 5L << 30, 512L << 20, workers));
        return new BatchProcessor(destination, mover, Layout.defaults(),
                new LoaderMetrics("s3loader", "test", line -> { }, Clock.systemUTC()), workers, 5, StepHook.NONE,
                Clock.systemUTC());
    }

    private void dropAndEnqueue(String key) {
        s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromString("data"));
        var head = s3.headObject(b -> b.bucket(bucket).key(key));
        sqs.sendMessage(b -> b.queueUrl(queueUrl).messageBody(
                new FileMessage(bucket, key, head.eTag(), 4, Instant.now()).toJson()));
    }

    private PollerConfig pollerConfig(Duration visibility) {
        return new PollerConfig(queueUrl, 10, visibility, Duration.ofSeconds(1), Duration.ZERO, 1);
    }

    private Map<String, String> queueDepth() {
        var a = sqs.getQueueAttributes(b -> b.queueUrl(queueUrl).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
                .attributes();
        return Map.of("visible", a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES),
                "hidden", a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
    }

    private boolean exists(String key) {
        return S3Objects.exists(s3, bucket, key);
    }

    @Test
    void run_batchLongerThanTheVisibilityTimeout_isNotRedeliveredToASecondPoller_andGetsTheWorkersDeadline()
            throws Exception {
        // Arrange: worker A holds its load; the queue hides a message 2 s, A's heartbeat extends by 3 s.
        dropAndEnqueue("incoming/long load.csv");
        HeldDestination held = new HeldDestination();
        Heartbeats heartbeats = new Heartbeats();
        ContainerWorker a = new ContainerWorker(client(heartbeats), processor(held), pollerConfig(Duration.ofSeconds(3)),
                new WorkerConfig(Duration.ofHours(2), Duration.ofSeconds(60)));
        a.start();
        assertThat(held.started.await(60, TimeUnit.SECONDS)).as("A's batch started").isTrue();

        // Act: B polls the same queue all along while A's load outlives four visibility timeouts.
        Receipts bReceipts = new Receipts();
        HeldDestination bDestination = new HeldDestination();
        bDestination.release.countDown();
        QueuePoller b = new QueuePoller(client(bReceipts), processor(bDestination), queueUrl, 10, Duration.ofSeconds(3),
                Duration.ofSeconds(1), Duration.ZERO);
        Thread bThread = Thread.ofPlatform().start(b);
        long until = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (heartbeats.accepted.get() < 8 && System.nanoTime() < until) {
            // B's own long polls pace this loop: the server answers after a second of finding nothing.
            assertThat(sqs.receiveMessage(r -> r.queueUrl(queueUrl).waitTimeSeconds(1).visibilityTimeout(1)).messages())
                    .as("the message stays hidden while A loads it").isEmpty();
        }
        held.release.countDown();
        assertThat(a.shutdown()).as("A finished its batch").isTrue();
        b.stop();
        bThread.join(Duration.ofSeconds(60));

        // Assert
        assertThat(heartbeats.accepted.get()).as("visibility extensions accepted").isGreaterThanOrEqualTo(8);
        assertThat(bReceipts.messages.get()).as("messages the second poller received").isZero();
        assertThat(bDestination.started.getCount()).as("the second poller never loaded").isEqualTo(1);
        assertThat(exists("processed/long load.csv")).isTrue();
        assertThat(exists("incoming/long load.csv")).isFalse();
        assertThat(queueDepth()).isEqualTo(Map.of("visible", "0", "hidden", "0"));
        var deadline = held.deadline.get();
        assertThat(deadline.isNone()).as("the batch has the worker's deadline, not none").isFalse();
        assertThat(deadline.at()).isAfter(Instant.now().plus(Duration.ofMinutes(100)))
                .isBefore(Instant.now().plus(Duration.ofHours(2)));
    }

    @Test
    void shutdown_batchOutlastsTheGrace_handsItsMessagesBackAtOnce_andTakesNoMore() throws Exception {
        // Arrange: a 10-minute visibility, so a message not handed back could not reappear during the test.
        dropAndEnqueue("incoming/slow.csv");
        HeldDestination held = new HeldDestination();
        ContainerWorker worker = new ContainerWorker(client(new Heartbeats()), processor(held),
                pollerConfig(Duration.ofMinutes(10)), new WorkerConfig(Duration.ofHours(1), Duration.ofSeconds(1)));
        worker.start();
        assertThat(held.started.await(60, TimeUnit.SECONDS)).as("the batch started").isTrue();

        // Act: SIGTERM's shutdown; the load is still held when the grace runs out.
        boolean finished = worker.shutdown();
        dropAndEnqueue("incoming/after-stop.csv");

        // Assert: both messages are visible now; slow.csv was received once before, after-stop.csv never.
        Map<String, Integer> receives = new HashMap<>();
        for (int i = 0; i < 5 && receives.size() < 2; i++) {
            for (Message m : sqs.receiveMessage(r -> r.queueUrl(queueUrl).waitTimeSeconds(20).maxNumberOfMessages(10)
                    .visibilityTimeout(600).messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT))
                    .messages()) {
                receives.put(FileMessage.fromJson(m.body()).key(),
                        Integer.parseInt(m.attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)));
            }
        }
        // Read while the load is still held: once released, the batch may still settle the file (its
        // message's redelivery then finds it gone), so reading it after the release raced with that.
        boolean stillWaiting = exists("incoming/slow.csv");
        held.release.countDown();
        assertThat(finished).as("shutdown says the batch did not finish").isFalse();
        assertThat(receives).as("key -> receive count, read by the test after the shutdown")
                .isEqualTo(Map.of("incoming/slow.csv", 2, "incoming/after-stop.csv", 1));
        assertThat(stillWaiting).as("the unfinished file stays in incoming/").isTrue();
    }

    @Test
    void shutdown_batchFinishesWithinTheGrace_isSettledAndDeleted() throws Exception {
        // Arrange
        dropAndEnqueue("incoming/nearly-done.csv");
        HeldDestination held = new HeldDestination();
        ContainerWorker worker = new ContainerWorker(client(new Heartbeats()), processor(held),
                pollerConfig(Duration.ofSeconds(30)), new WorkerConfig(Duration.ofHours(1), Duration.ofSeconds(100)));
        worker.start();
        assertThat(held.started.await(60, TimeUnit.SECONDS)).as("the batch started").isTrue();

        // Act: shutdown begins, then the load completes inside the grace.
        Future<Boolean> shutdown = workers.submit(worker::shutdown);
        long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!worker.stopping() && System.nanoTime() < until) {
            Thread.onSpinWait();
        }
        assertThat(worker.stopping()).as("the worker is stopping").isTrue();
        held.release.countDown();

        // Assert
        assertThat(shutdown.get(120, TimeUnit.SECONDS)).as("shutdown says the batch finished").isTrue();
        assertThat(exists("processed/nearly-done.csv")).isTrue();
        assertThat(exists("incoming/nearly-done.csv")).isFalse();
        assertThat(queueDepth()).isEqualTo(Map.of("visible", "0", "hidden", "0"));
    }
}
