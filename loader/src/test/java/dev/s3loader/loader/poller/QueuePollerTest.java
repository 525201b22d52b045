package dev.s3loader.loader.poller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3loader.embedded.SharedServers;
import dev.s3loader.loader.BatchProcessor;
import dev.s3loader.loader.StepHook;
import dev.s3loader.loader.destination.Deadline;
import dev.s3loader.loader.destination.Destination;
import dev.s3loader.loader.destination.LoadResult;
import dev.s3loader.loader.internal.FileMover;
import dev.s3loader.loader.internal.LoaderMetrics;
import dev.s3loader.loader.internal.ObjectCopier;
import dev.s3loader.model.FileMessage;
import dev.s3loader.model.Layout;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** The poller on a real ElasticMQ queue and S3Proxy bucket, with a destination that takes its time. */
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

    /** Loads nothing, slowly: long enough for a 2-second visibility timeout to run out three times over. */
    private static final class SlowDestination implements Destination {
        final CountDownLatch started = new CountDownLatch(1);

        @Override
        public List<LoadResult> load(List<FileMessage> files, String batchId, Deadline deadline) {
            started.countDown();
            try {
                Thread.sleep(6000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return files.stream().<LoadResult>map(f -> new LoadResult.Loaded(f, 1)).toList();
        }
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
        dropAndEnqueue("incoming/slow.csv");
        SlowDestination slow = new SlowDestination();
        FileMover mover = new FileMover(s3, new ObjectCopier(s3, 5L << 30, 512L << 20, workers));
        BatchProcessor processor = new BatchProcessor(slow, mover, Layout.defaults(),
                new LoaderMetrics("s3loader", "test", line -> { }, Clock.systemUTC()), workers, 5, StepHook.NONE,
                Clock.systemUTC());
        QueuePoller poller = new QueuePoller(sqs, processor, queueUrl, 10, Duration.ofSeconds(2), Duration.ofSeconds(1),
                Duration.ZERO);
        Thread thread = Thread.ofPlatform().start(poller);

        assertThat(slow.started.await(20, TimeUnit.SECONDS)).isTrue();
        poller.stop(); // asked to stop mid-batch: it must still finish this one
        long until = System.nanoTime() + Duration.ofSeconds(4).toNanos();
        while (System.nanoTime() < until) {
            assertThat(sqs.receiveMessage(b -> b.queueUrl(queueUrl).waitTimeSeconds(1).visibilityTimeout(1)).messages())
                    .as("the message stays hidden while its batch loads").isEmpty();
        }
        thread.join(20_000);

        assertThat(thread.isAlive()).isFalse();
        assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket).key("processed/slow.csv")).asUtf8String()).isEqualTo("data");
        var attributes = sqs.getQueueAttributes(b -> b.queueUrl(queueUrl).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
                .attributes();
        assertThat(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)).isEqualTo("0");
        assertThat(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).isEqualTo("0");
    }
}
