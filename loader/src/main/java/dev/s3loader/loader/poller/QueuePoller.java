package dev.s3loader.loader.poller;

import dev.s3loader.loader.BatchOutcome;
import dev.s3loader.loader.BatchProcessor;
import dev.s3loader.loader.Delivery;
import dev.s3loader.loader.destination.Deadline;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
 *
 * <p>While a batch loads, the poller already receives the next one (one short poll, on a thread of
 * its own), so that the receive's round trip and the wait for a batch's slowest file do not leave
 * the loader idle between batches. It still loads one batch at a time: a poller is one database
 * connection for the database destinations, and the prefetched batch only waits, kept hidden by
 * the same heartbeat. A stop or a hand-back gives a prefetched batch back to the queue at once.
 *
 * <p>A batch's deadline counts from its own receive, not from the start of its load: SQS hides a
 * message at most 12 hours after it was received and refuses an extension beyond that, so a
 * prefetched batch that waited out a long predecessor has only what is left of its time. One with
 * less than half its deadline left is handed back instead of started (its next receive, here or on
 * another worker, brings a whole deadline); the heartbeat never asks for visibility past the cap.
 *
 * <p>With the event fast path, S3's event notifications have a queue of their own (so that the
 * lister's count of its messages in its queue stays true): each receive first takes what waits
 * there, without waiting, then long-polls the lister's queue. A batch comes from one queue and is
 * extended, deleted or given back there.
 */
public final class QueuePoller implements Runnable {
    private static final Logger LOG = Logger.getLogger(QueuePoller.class.getName());
    /** SQS's cap on how long a message stays hidden, counted from the receive that returned it. */
    static final Duration SQS_VISIBILITY_CAP = Duration.ofHours(12);
    private final SqsClient sqs;
    private final BatchProcessor processor;
    private final String queueUrl;
    private final Optional<String> eventQueueUrl;
    private final int batchSize;
    private final Duration visibility;
    private final Duration waitTime;
    private final Duration batchingWindow;
    private final Duration batchDeadline;
    private final Clock clock;
    private final ScheduledExecutorService heartbeat;
    /** Receives the next batch while the current one loads. */
    private final ExecutorService prefetch;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean stopping;
    private volatile boolean givenUp;
    /** The batches this poller holds: the one loading and the one received to load next; each with its heartbeat. */
    private final Set<InHand> held = ConcurrentHashMap.newKeySet();

    private static final class InHand {
        final String queue;
        final List<Message> messages;
        /** Taken before the receive was sent: never later than SQS's own receipt. */
        final Instant receivedAt;
        ScheduledFuture<?> keepHidden;
        boolean handedBack;

        InHand(String queue, List<Message> messages, Instant receivedAt) {
            this.queue = queue;
            this.messages = messages;
            this.receivedAt = receivedAt;
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
        this(sqs, processor, queueUrl, batchSize, visibility, waitTime, batchingWindow, batchDeadline, Clock.systemUTC());
    }

    /** @param clock what batch deadlines are read on (tests pass one they move) */
    public QueuePoller(SqsClient sqs, BatchProcessor processor, String queueUrl, int batchSize, Duration visibility,
                       Duration waitTime, Duration batchingWindow, Duration batchDeadline, Clock clock) {
        this(sqs, processor, queueUrl, Optional.empty(), batchSize, visibility, waitTime, batchingWindow, batchDeadline,
                clock);
    }

    /** @param eventQueueUrl the queue S3 sends its event notifications to, with the event fast path */
    public QueuePoller(SqsClient sqs, BatchProcessor processor, String queueUrl, Optional<String> eventQueueUrl,
                       int batchSize, Duration visibility, Duration waitTime, Duration batchingWindow,
                       Duration batchDeadline, Clock clock) {
        this.sqs = sqs;
        this.processor = processor;
        this.queueUrl = queueUrl;
        this.eventQueueUrl = eventQueueUrl;
        this.batchSize = batchSize;
        this.visibility = visibility;
        this.waitTime = waitTime;
        this.batchingWindow = batchingWindow;
        this.batchDeadline = batchDeadline;
        this.clock = clock;
        this.heartbeat = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon(true).factory());
        this.prefetch = Executors.newSingleThreadExecutor(Thread.ofPlatform().name("s3loader-prefetch").daemon(true).factory());
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
     * Gives up the batches in hand, the loading one and a prefetched one: their heartbeat stops (and
     * any extension or prefetch under way is waited for, so none lands after this), then their
     * messages become visible at once instead of after the visibility timeout. Stops the poller too.
     * Returns the number of messages handed back.
     */
    public int handBack() {
        givenUp = true;
        stop();
        // A prefetch under way finishes its short poll and, seeing givenUp, gives its messages back itself.
        drain(prefetch);
        List<InHand> mine = new ArrayList<>();
        for (InHand batch : held) {
            synchronized (batch) {
                if (batch.handedBack) {
                    continue;
                }
                batch.handedBack = true;
                batch.keepHidden.cancel(false);
            }
            mine.add(batch);
        }
        // Stopped heartbeats, and any extension under way waited for, so none lands after the release.
        drain(heartbeat);
        mine.forEach(b -> {
            held.remove(b);
            release(b.queue, b.messages);
        });
        return mine.stream().mapToInt(b -> b.messages.size()).sum();
    }

    @Override
    public void run() {
        Future<InHand> next = null;
        try {
            while (!stopping) {
                try {
                    // Taken before it is awaited: a prefetch that failed (SQS unreachable) fails this iteration
                    // once, and the next one receives afresh instead of rethrowing the same failure for ever.
                    Future<InHand> prefetched = next;
                    next = null;
                    InHand batch = prefetched != null ? await(prefetched) : receiveAndHold(waitTime);
                    if (batch == null) {
                        continue;
                    }
                    if (prefetched != null && !stopping && tooLateToStart(batch)) {
                        LOG.info(batch.messages.size() + " prefetched message(s) waited " + Duration.between(
                                batch.receivedAt, clock.instant()).toSeconds() + " s of their " + batchDeadline.toSeconds()
                                + " s deadline; they go back to the queue to be received with a whole deadline");
                        giveBack(batch);
                        continue;
                    }
                    if (stopping) {
                        // Received by the long poll that was waiting when the stop came: not ours to start.
                        LOG.info("stopping: " + batch.messages.size() + " message(s) received during the stop go back to the queue");
                        giveBack(batch);
                    } else {
                        next = prefetch.submit(() -> stopping ? null : receiveAndHold(Duration.ZERO));
                        handle(batch);
                    }
                } catch (RuntimeException e) {
                    LOG.log(Level.SEVERE, "poller iteration failed; continuing", e);
                    pause(Duration.ofSeconds(1));
                }
            }
        } finally {
            if (next != null) {
                try {
                    InHand unstarted = await(next);
                    if (unstarted != null && giveBack(unstarted)) {
                        LOG.info("stopping: " + unstarted.messages.size() + " prefetched message(s) go back to the queue");
                    }
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "the last prefetch failed; nothing was received", e);
                }
            }
            prefetch.shutdownNow();
            heartbeat.shutdownNow();
            stopped.countDown();
        }
    }

    private static InHand await(Future<InHand> next) {
        try {
            return next.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the next batch", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }

    /** Less than half the batch's deadline left: started now, it would likely hand most of its files back. */
    private boolean tooLateToStart(InHand batch) {
        return batchDeadline != null && deadline(batch).lessThan(batchDeadline.dividedBy(2));
    }

    /** The batch's deadline: its own receive plus the batch deadline (which stays below SQS's cap). */
    private Deadline deadline(InHand batch) {
        return batchDeadline == null ? Deadline.none() : new Deadline(batch.receivedAt.plus(batchDeadline), clock);
    }

    /** Events first, without waiting (they are the fast path); then the lister's queue, waiting up to {@code wait}. */
    private InHand receiveAndHold(Duration wait) {
        Instant receivedAt = clock.instant();
        if (eventQueueUrl.isPresent()) {
            List<Message> events = receive(eventQueueUrl.get(), Duration.ZERO);
            if (!events.isEmpty()) {
                return hold(eventQueueUrl.get(), events, receivedAt);
            }
            receivedAt = clock.instant();
        }
        return hold(queueUrl, receive(queueUrl, wait), receivedAt);
    }

    /**
     * Takes received messages in hand: hidden by the heartbeat from now on, and given back by a
     * hand-back. Null when there are none, or when the poller was given up meanwhile (then they are
     * back in the queue already).
     */
    private InHand hold(String queue, List<Message> messages, Instant receivedAt) {
        if (messages.isEmpty()) {
            return null;
        }
        InHand batch = new InHand(queue, messages, receivedAt);
        // A third of the visibility timeout: two extensions may fail before the messages reappear.
        synchronized (batch) {
            batch.keepHidden = heartbeat.scheduleAtFixedRate(() -> extend(batch),
                    visibility.toMillis() / 3, visibility.toMillis() / 3, TimeUnit.MILLISECONDS);
        }
        held.add(batch);
        if (givenUp) {
            // handBack() ran between the receive and now, and may not have seen this batch.
            giveBack(batch);
            return null;
        }
        return batch;
    }

    /** Stops the batch's heartbeat and makes its messages visible again at once; once only (false if already). */
    private boolean giveBack(InHand batch) {
        synchronized (batch) {
            if (batch.handedBack) {
                return false;
            }
            batch.handedBack = true;
            batch.keepHidden.cancel(false);
        }
        drain(heartbeat);
        held.remove(batch);
        release(batch.queue, batch.messages);
        return true;
    }

    /** Up to X messages: one poll waiting up to {@code wait}, then more polls until X arrive or the batching window closes. */
    private List<Message> receive(String queue, Duration wait) {
        List<Message> batch = new ArrayList<>(receive(queue, Math.min(10, batchSize), wait));
        Set<String> seen = new HashSet<>();
        batch.forEach(m -> seen.add(m.messageId()));
        long windowEnds = System.nanoTime() + batchingWindow.toNanos();
        while (!batch.isEmpty() && batch.size() < batchSize && System.nanoTime() < windowEnds && !stopping) {
            for (Message m : receive(queue, Math.min(10, batchSize - batch.size()), Duration.ZERO)) {
                if (seen.add(m.messageId())) {
                    batch.add(m);
                }
            }
        }
        return batch;
    }

    private List<Message> receive(String queue, int max, Duration wait) {
        return sqs.receiveMessage(r -> r.queueUrl(queue).maxNumberOfMessages(max)
                .waitTimeSeconds((int) wait.toSeconds()).visibilityTimeout((int) visibility.toSeconds())
                .messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)).messages();
    }

    private void handle(InHand current) {
        synchronized (current) {
            if (current.handedBack) {
                // handBack() gave it back while it waited as the prefetched batch.
                return;
            }
        }
        List<Message> batch = current.messages;
        BatchOutcome outcome;
        try {
            outcome = processor.process(batch.stream().map(QueuePoller::delivery).toList(), deadline(current));
        } finally {
            synchronized (current) {
                current.keepHidden.cancel(false);
            }
            held.remove(current);
        }
        Set<String> failed = new HashSet<>(outcome.failedMessageIds());
        List<Message> done = batch.stream().filter(m -> !failed.contains(m.messageId())).toList();
        delete(current.queue, done);
    }

    private void extend(InHand current) {
        synchronized (current) {
            if (current.handedBack) {
                return;
            }
        }
        // SQS refuses an extension past its cap (and does not shorten it for us): ask only for what is left.
        Duration left = Duration.between(clock.instant(), current.receivedAt.plus(SQS_VISIBILITY_CAP));
        if (left.toSeconds() <= 0) {
            return;
        }
        changeVisibility(current.queue, current.messages, left.compareTo(visibility) < 0 ? left : visibility);
    }

    /** Visible again at once, for another worker: used when this worker will not finish them. */
    private void release(String queue, List<Message> messages) {
        changeVisibility(queue, messages, Duration.ZERO);
    }

    /**
     * Waits for the task already running on a single-thread executor (an extension on the heartbeat,
     * a receive on the prefetch thread): each runs one task at a time, so none lands after this.
     */
    private void drain(ExecutorService executor) {
        try {
            executor.submit(() -> { }).get(visibility.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // The poller has ended and the executor with it: nothing is running.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            LOG.log(Level.WARNING, "a heartbeat or prefetch did not drain; it may still land", e);
        }
    }

    private void changeVisibility(String queue, List<Message> batch, Duration timeout) {
        try {
            for (int from = 0; from < batch.size(); from += 10) {
                List<ChangeMessageVisibilityBatchRequestEntry> entries = new ArrayList<>();
                List<Message> chunk = batch.subList(from, Math.min(batch.size(), from + 10));
                for (int i = 0; i < chunk.size(); i++) {
                    entries.add(ChangeMessageVisibilityBatchRequestEntry.builder().id(Integer.toString(i))
                            .receiptHandle(chunk.get(i).receiptHandle()).visibilityTimeout((int) timeout.toSeconds()).build());
                }
                var response = sqs.changeMessageVisibilityBatch(r -> r.queueUrl(queue).entries(entries));
                response.failed().forEach(f -> LOG.warning("could not set the visibility of a message to " + timeout.toSeconds()
                        + " s: " + f.code() + " " + f.message()));
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "could not set visibility to " + timeout.toSeconds()
                    + " s; messages come back after their timeout (harmless)", e);
        }
    }

    private void delete(String queue, List<Message> done) {
        for (int from = 0; from < done.size(); from += 10) {
            List<Message> chunk = done.subList(from, Math.min(done.size(), from + 10));
            List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>();
            for (int i = 0; i < chunk.size(); i++) {
                entries.add(DeleteMessageBatchRequestEntry.builder().id(Integer.toString(i))
                        .receiptHandle(chunk.get(i).receiptHandle()).build());
            }
            var response = sqs.deleteMessageBatch(r -> r.queueUrl(queue).entries(entries));
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
