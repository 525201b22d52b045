package dev.s3loader.loader.poller;

import dev.s3loader.loader.BatchOutcome;
import dev.s3loader.loader.BatchProcessor;
import dev.s3loader.loader.Delivery;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * The loader as a long-lived SQS consumer, for loads longer than Lambda's 15 minutes: it takes up
 * to X messages a batch (as the event source mapping would), keeps them hidden while the batch
 * runs, deletes the ones that succeeded and leaves the rest to reappear. {@link #stop()} lets the
 * batch in hand finish.
 */
public final class QueuePoller implements Runnable {
    private static final Logger LOG = Logger.getLogger(QueuePoller.class.getName());
    private final SqsClient sqs;
    private final BatchProcessor processor;
    private final String queueUrl;
    private final int batchSize;
    private final Duration visibility;
    private final Duration waitTime;
    private final Duration batchingWindow;
    private final ScheduledExecutorService heartbeat;
    private volatile boolean stopping;

    public QueuePoller(SqsClient sqs, BatchProcessor processor, String queueUrl, int batchSize, Duration visibility,
                       Duration waitTime, Duration batchingWindow) {
        this.sqs = sqs;
        this.processor = processor;
        this.queueUrl = queueUrl;
        this.batchSize = batchSize;
        this.visibility = visibility;
        this.waitTime = waitTime;
        this.batchingWindow = batchingWindow;
        this.heartbeat = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon(true).factory());
    }

    public void stop() {
        stopping = true;
    }

    @Override
    public void run() {
        while (!stopping) {
            try {
                List<Message> batch = receive();
                if (!batch.isEmpty()) {
                    handle(batch);
                }
            } catch (RuntimeException e) {
                LOG.log(Level.SEVERE, "poller iteration failed; continuing", e);
                pause(Duration.ofSeconds(1));
            }
        }
        heartbeat.shutdownNow();
    }

    /** Up to X messages: one long poll, then more polls until X arrive or the batching window closes. */
    List<Message> receive() {
        List<Message> batch = new ArrayList<>(receive(Math.min(10, batchSize), waitTime));
        Set<String> seen = new HashSet<>();
        batch.forEach(m -> seen.add(m.messageId()));
        long windowEnds = System.nanoTime() + batchingWindow.toNanos();
        while (!batch.isEmpty() && batch.size() < batchSize && System.nanoTime() < windowEnds && !stopping) {
            for (Message m : receive(Math.min(10, batchSize - batch.size()), Duration.ZERO)) {
                if (seen.add(m.messageId())) {
                    batch.add(m);
                }
            }
        }
        return batch;
    }

    private List<Message> receive(int max, Duration wait) {
        return sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(max)
                .waitTimeSeconds((int) wait.toSeconds()).visibilityTimeout((int) visibility.toSeconds())
                .messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)).messages();
    }

    private void handle(List<Message> batch) {
        ScheduledFuture<?> keepHidden = heartbeat.scheduleAtFixedRate(() -> extend(batch),
                visibility.toMillis() / 3, visibility.toMillis() / 3, TimeUnit.MILLISECONDS);
        BatchOutcome outcome;
        try {
            outcome = processor.process(batch.stream().map(QueuePoller::delivery).toList());
        } finally {
            keepHidden.cancel(false);
        }
        Set<String> failed = new HashSet<>(outcome.failedMessageIds());
        List<Message> done = batch.stream().filter(m -> !failed.contains(m.messageId())).toList();
        delete(done);
    }

    private void extend(List<Message> batch) {
        try {
            for (int from = 0; from < batch.size(); from += 10) {
                List<ChangeMessageVisibilityBatchRequestEntry> entries = new ArrayList<>();
                List<Message> chunk = batch.subList(from, Math.min(batch.size(), from + 10));
                for (int i = 0; i < chunk.size(); i++) {
                    entries.add(ChangeMessageVisibilityBatchRequestEntry.builder().id(Integer.toString(i))
                            .receiptHandle(chunk.get(i).receiptHandle()).visibilityTimeout((int) visibility.toSeconds()).build());
                }
                sqs.changeMessageVisibilityBatch(r -> r.queueUrl(queueUrl).entries(entries));
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "could not extend visibility; messages may be delivered again (harmless)", e);
        }
    }

    private void delete(List<Message> done) {
        for (int from = 0; from < done.size(); from += 10) {
            List<Message> chunk = done.subList(from, Math.min(done.size(), from + 10));
            List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>();
            for (int i = 0; i < chunk.size(); i++) {
                entries.add(DeleteMessageBatchRequestEntry.builder().id(Integer.toString(i))
                        .receiptHandle(chunk.get(i).receiptHandle()).build());
            }
            var response = sqs.deleteMessageBatch(r -> r.queueUrl(queueUrl).entries(entries));
            // A message not deleted comes back after its visibility timeout; the work is done, so that is harmless.
            response.failed().forEach(f -> LOG.warning("could not delete message: " + f.code() + " " + f.message()));
        }
    }

    static Delivery delivery(Message m) {
        return Delivery.of(m.messageId(), m.body(), m.attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT));
    }

    private static void pause(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
