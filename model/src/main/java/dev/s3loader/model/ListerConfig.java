package dev.s3loader.model;

import java.time.Duration;
import java.util.Map;

/**
 * Everything the lister reads from its environment, validated once at start-up.
 *
 * @param maxInFlightFiles  at most this many files are dispatched and not yet finished
 * @param requeueAfter      an in-flight file still in {@code incoming/} after this long is dispatched again
 * @param maxAttempts       dispatches of one file version before it is counted as stuck and left alone
 * @param runFor            how long one Lambda invocation may keep listing when the queue drains early
 * @param listRanges        key ranges of incoming/ listed in parallel (split at the previous pass's quantiles)
 * @param eventGrace        with the event fast path on, how long a new file is left to its S3 event before the
 *                          lister sends it as a missed event; zero when the fast path is off
 */
public record ListerConfig(String bucket, Layout layout, String queueUrl, String pipelineName,
                           String metricsNamespace, int maxInFlightFiles, Duration requeueAfter,
                           int maxAttempts, Duration runFor, int listRanges, Duration eventGrace) {

    public static final Map<String, String> VARIABLES = Map.ofEntries(
            Map.entry("BUCKET", "the bucket whose incoming/ prefix is the queue (required)"),
            Map.entry("QUEUE_URL", "the SQS queue the lister sends file messages to (required)"),
            Map.entry("PIPELINE_NAME", "value of the Pipeline metric dimension (default: s3loader)"),
            Map.entry("METRICS_NAMESPACE", "CloudWatch namespace (default: s3loader)"),
            Map.entry("MAX_IN_FLIGHT_FILES", "files dispatched and not yet finished, at most (default: 100000)"),
            Map.entry("REQUEUE_AFTER_MINUTES", "an in-flight file is dispatched again after this long (default: 60)"),
            Map.entry("MAX_ATTEMPTS", "dispatches of one file version before it counts as stuck (default: 5)"),
            Map.entry("RUN_FOR_SECONDS", "how long one run may keep refilling a draining queue (default: 0, one pass)"),
            Map.entry("LIST_RANGES", "key ranges of incoming/ listed in parallel (default: 16)"),
            Map.entry("EVENT_FAST_PATH",
                    "S3 event notifications send new files to the queue; the lister reconciles (default: false)"),
            Map.entry("EVENT_GRACE_MINUTES",
                    "with EVENT_FAST_PATH, a file this old with nothing in flight is a missed event (default: 5)"));

    public static ListerConfig fromEnv(Map<String, String> environment) {
        Env env = new Env(environment);
        return new ListerConfig(
                env.required("BUCKET"),
                Layout.fromEnv(env),
                env.required("QUEUE_URL"),
                env.string("PIPELINE_NAME", "s3loader"),
                env.string("METRICS_NAMESPACE", "s3loader"),
                env.integer("MAX_IN_FLIGHT_FILES", 100_000, 1, 10_000_000),
                env.minutes("REQUEUE_AFTER_MINUTES", Duration.ofMinutes(60), 1, 7 * 24 * 60),
                env.integer("MAX_ATTEMPTS", 5, 1, 1000),
                env.seconds("RUN_FOR_SECONDS", Duration.ZERO, 0, 840),
                env.integer("LIST_RANGES", 16, 1, 256),
                eventGrace(env));
    }

    public boolean eventFastPath() {
        return eventGrace.isPositive();
    }

    /** At least a minute (S3 delivers most events in seconds, some later) and below the requeue delay. */
    private static Duration eventGrace(Env env) {
        // Read (and range-checked) either way, so that a bad value is reported before the fast path is turned on.
        Duration grace = env.minutes("EVENT_GRACE_MINUTES", Duration.ofMinutes(5), 1, 24 * 60);
        if (!env.bool("EVENT_FAST_PATH", false)) {
            return Duration.ZERO;
        }
        Duration requeueAfter = env.minutes("REQUEUE_AFTER_MINUTES", Duration.ofMinutes(60), 1, 7 * 24 * 60);
        if (grace.compareTo(requeueAfter) >= 0) {
            throw new ConfigException("EVENT_GRACE_MINUTES (" + grace.toMinutes() + ") must be below REQUEUE_AFTER_MINUTES ("
                    + requeueAfter.toMinutes() + "): a missed event is found no later than a lost message");
        }
        return grace;
    }
}
