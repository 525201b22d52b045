package dev.s3loader.loader.poller;

import dev.s3loader.loader.BatchOutcome;
import dev.s3loader.loader.BatchProcessor;
import dev.s3loader.loader.Delivery;
import dev.s3loader.loader.destination.Deadline;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
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
    private final Duration batchDeadline;
    private final ScheduledExecutorService heartbeat;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean stopping;
    private volatile boolean givenUp;
    /** The batch being loaded, or null; its heartbeat, and whether it was handed back. */
    private volatile InHand inHand;

    private static final class InHand {
        final List<Message> messages;
        ScheduledFuture<?> keepHidden;
        boolean handedBack;

        InHand(List<Message> messages) {
            this.messages = messages;
        }
    }

    /** A poller whose batches run to their end (the local runtime's). */
    public QueuePoller(SqsClient sqs, BatchProcessor processor, String queueUrl, int batchSize, Duration visibility,
                       Duration waitTime, Duration batchingWindow) {
        this(sqs, processor, queueUrl, batchSize, visibility, waitTime, batchingWindow, null);
    }

    /**
     * @param batchDeadline how long one batch may load: the destination then stops and hands the rest
     *                      back (as the Lambda's remaining time does there); null for no deadline
     */
    public QueuePoller(SqsClient sqs, BatchProcessor processor, String queueUrl, int batchSize, Duration visibility,
                       Duration waitTime, Duration batchingWindow, Duration batchDeadline) {
        this.sqs = sqs;
        this.processor = processor;
        this.queueUrl = queueUrl;
        this.batchSize = batchSize;
        this.visibility = visibility;
        this.waitTime = waitTime;
        this.batchingWindow = batchingWindow;
        this.batchDeadline = batchDeadline;
        this.heartbeat = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon(true).factory());
    }

    /** Takes no new batch; the batch in hand runs on. */
    public void stop() {
        stopping = true;
    }

    public boolean stopping() {
        return stopping;
    }

    /** True once {@link #run()} has returned, waiting at most {@code timeout}. */
    public boolean awaitStopped(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Gives up the batch in hand: its heartbeat stops (and any extension under way is waited for, so
     * none lands after this), then its messages become visible at once instead of after the
     * visibility timeout. Stops the poller too. Returns the number of messages handed back.
     */
    public int handBack() {
        givenUp = true;
        stop();
        InHand batch = inHand;
        if (batch == null) {
            return 0;
        }
        synchronized (batch) {
            if (batch.handedBack) {
                return 0;
            }
            batch.handedBack = true;
            if (batch.keepHidden != null) {
                batch.keepHidden.cancel(false);
            }
        }
        drainHeartbeat();
        release(batch.messages);
        return batch.messages.size();
    }

    @Override
    public void run() {
        try {
            while (!stopping) {
                try {
                    List<Message> batch = receive();
                    if (stopping && !batch.isEmpty()) {
                        // Received by the long poll that was waiting when the stop came: not ours to start.
                        LOG.info("stopping: " + batch.size() + " message(s) received during the stop go back to the queue");
                        release(batch);
                    } else if (!batch.isEmpty()) {
                        handle(batch);
                    }
                } catch (RuntimeException e) {
                    LOG.log(Level.SEVERE, "poller iteration failed; continuing", e);
                    pause(Duration.ofSeconds(1));
                }
            }
        } finally {
            heartbeat.shutdownNow();
            stopped.countDown();
        }
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
        InHand current = new InHand(batch);
        // A third of the visibility timeout: two extensions may fail before the messages reappear.
        synchronized (current) {
            current.keepHidden = heartbeat.scheduleAtFixedRate(() -> extend(current),
                    visibility.toMillis() / 3, visibility.toMillis() / 3, TimeUnit.MILLISECONDS);
        }
        inHand = current;
        if (givenUp) {
            // handBack() ran between the receive and now, before it could see this batch.
            handBack();
            return;
        }
        BatchOutcome outcome;
        try {
            Deadline deadline = batchDeadline == null ? Deadline.none() : Deadline.in(batchDeadline, Clock.systemUTC());
            outcome = processor.process(batch.stream().map(QueuePoller::delivery).toList(), deadline);
        } finally {
            synchronized (current) {
                current.keepHidden.cancel(false);
            }
            inHand = null;
        }
        Set<String> failed = new HashSet<>(outcome.failedMessageIds());
        List<Message> done = batch.stream().filter(m -> !failed.contains(m.messageId())).toList();
        delete(done);
    }

    private void extend(InHand current) {
        synchronized (current) {
            if (current.handedBack) {
                return;
            }
        }
        changeVisibility(current.messages, visibility);
    }

    /** Visible again at once, for another worker: used when this worker will not finish them. */
    private void release(List<Message> messages) {
        changeVisibility(messages, Duration.ZERO);
    }

    /** Waits for an extension already running on the heartbeat thread: the thread runs one task at a time. */
    private void drainHeartbeat() {
        try {
            heartbeat.submit(() -> { }).get(visibility.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // The poller has ended and its heartbeat with it: nothing is running.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            LOG.log(Level.WARNING, "heartbeat did not drain; an extension may still land", e);
        }
    }

    private void changeVisibility(List<Message> batch, Duration timeout) {
        try {
            for (int from = 0; from < batch.size(); from += 10) {
                List<ChangeMessageVisibilityBatchRequestEntry> entries = new ArrayList<>();
                List<Message> chunk = batch.subList(from, Math.min(batch.size(), from + 10));
                for (int i = 0; i < chunk.size(); i++) {
                    entries.add(ChangeMessageVisibilityBatchRequestEntry.builder().id(Integer.toString(i))
                            .receiptHandle(chunk.get(i).receiptHandle()).visibilityTimeout((int) timeout.toSeconds()).build());
                }
                var response = sqs.changeMessageVisibilityBatch(r -> r.queueUrl(queueUrl).entries(entries));
                response.failed().forEach(f -> LOG.warning("could not set the visibility of a message to " + timeout.toSeconds()
                        + " s: " + f.code() + " " + f.message()));
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "could not set visibility to " + timeout.toSeconds()
                    + " s; messages come back after their timeout (harmless)", e);
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
