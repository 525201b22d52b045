package dev.s3loader.model;

import java.time.Duration;
import java.util.Map;

/**
 * What the container worker reads on top of {@link LoaderConfig} and {@link PollerConfig}.
 *
 * @param batchDeadline how long one batch may load before the destination stops and hands the rest
 *                      back; no 15-minute cap, but SQS keeps a message hidden for at most 12 hours
 *                      from its receipt, so the deadline stays below that
 * @param stopGrace     after SIGTERM, how long the batch in hand may still run before its messages
 *                      are handed back to the queue; below the task's stopTimeout, after which ECS
 *                      kills the process
 */
public record WorkerConfig(Duration batchDeadline, Duration stopGrace) {
    /** SQS's cap on a message's invisibility, counted from its receipt, less room to settle the files. */
    public static final long MAX_BATCH_DEADLINE_SECONDS = 12 * 3600 - 30 * 60;
    /** Fargate's largest stopTimeout is 120 s; the hand-back needs a few seconds of it. */
    public static final long MAX_STOP_GRACE_SECONDS = 110;

    public static final Map<String, String> VARIABLES = Map.of(
            "WORKER_BATCH_DEADLINE_SECONDS", "how long one batch may load before the rest is handed back (default: 21600,"
                    + " 60 to " + MAX_BATCH_DEADLINE_SECONDS + ": SQS hides a message 12 hours at most)",
            "WORKER_STOP_GRACE_SECONDS", "after SIGTERM, how long the batch in hand may finish before its messages go back"
                    + " to the queue (default: 25, below ECS's default 30 s stopTimeout; 0 to " + MAX_STOP_GRACE_SECONDS + ")");

    public static WorkerConfig fromEnv(Map<String, String> environment) {
        Env env = new Env(environment);
        return new WorkerConfig(
                env.seconds("WORKER_BATCH_DEADLINE_SECONDS", Duration.ofHours(6), 60, MAX_BATCH_DEADLINE_SECONDS),
                env.seconds("WORKER_STOP_GRACE_SECONDS", Duration.ofSeconds(25), 0, MAX_STOP_GRACE_SECONDS));
    }
}
