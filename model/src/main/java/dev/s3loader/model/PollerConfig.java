package dev.s3loader.model;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * What the long-lived loader poller reads on top of {@link LoaderConfig}; the Lambda handler
 * does not read these (the event source mapping does this job there).
 *
 * @param batchSize      X: messages, so files, per batch
 * @param batchingWindow how long to keep gathering after the first message, up to X
 * @param pollers        batches worked on at once by one process
 * @param eventQueueUrl  with the event fast path, the queue S3 sends its event notifications to: a
 *                       queue of their own, so that they never count as the lister's messages
 */
public record PollerConfig(String queueUrl, int batchSize, Duration visibilityTimeout, Duration waitTime,
                           Duration batchingWindow, int pollers, Optional<String> eventQueueUrl) {

    /** A poller of the lister's queue only. */
    public PollerConfig(String queueUrl, int batchSize, Duration visibilityTimeout, Duration waitTime,
                        Duration batchingWindow, int pollers) {
        this(queueUrl, batchSize, visibilityTimeout, waitTime, batchingWindow, pollers, Optional.empty());
    }

    public static final Map<String, String> VARIABLES = Map.of(
            "QUEUE_URL", "the queue to read (required)",
            "EVENT_QUEUE_URL", "with the event fast path, the queue S3 sends its events to; each poller checks it before"
                    + " each receive from QUEUE_URL (default: none)",
            "BATCH_SIZE", "X: files per batch (default: 10)",
            "VISIBILITY_TIMEOUT_SECONDS", "how long a received batch stays hidden; extended while it loads (default: 300)",
            "WAIT_TIME_SECONDS", "long-poll wait (default: 20)",
            "BATCHING_WINDOW_SECONDS", "gather up to X messages for this long (default: 1)",
            "POLLERS", "batches in progress at once in this process (default: 1)");

    public static PollerConfig fromEnv(Map<String, String> environment) {
        Env env = new Env(environment);
        return new PollerConfig(
                env.required("QUEUE_URL"),
                env.integer("BATCH_SIZE", 10, 1, 10_000),
                env.seconds("VISIBILITY_TIMEOUT_SECONDS", Duration.ofSeconds(300), 10, 43_200),
                env.seconds("WAIT_TIME_SECONDS", Duration.ofSeconds(20), 0, 20),
                env.seconds("BATCHING_WINDOW_SECONDS", Duration.ofSeconds(1), 0, 300),
                env.integer("POLLERS", 1, 1, 1000),
                env.optional("EVENT_QUEUE_URL"));
    }
}
