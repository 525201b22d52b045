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
 */
public record ListerConfig(String bucket, Layout layout, String queueUrl, String pipelineName,
                           String metricsNamespace, int maxInFlightFiles, Duration requeueAfter,
                           int maxAttempts, Duration runFor, int listRanges) {


    public static final Map<String, String> VARIABLES = Map.of(
            "BUCKET", "the bucket whose incoming/ prefix is the queue (required)",
            "QUEUE_URL", "the SQS queue the lister sends file messages to (required)",
            "PIPELINE_NAME", "value of the Pipeline metric dimension (default: s3loader)",
            "METRICS_NAMESPACE", "CloudWatch namespace (default: s3loader)",
            "MAX_IN_FLIGHT_FILES", "files dispatched and not yet finished, at most (default: 100000)",
            "REQUEUE_AFTER_MINUTES", "an in-flight file is dispatched again after this long (default: 60)",
            "MAX_ATTEMPTS", "dispatches of one file version before it counts as stuck (default: 5)",
            "RUN_FOR_SECONDS", "how long one run may keep refilling a draining queue (default: 0, one pass)",
            "LIST_RANGES", "key ranges of incoming/ listed in parallel (default: 16)");

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
                env.integer("LIST_RANGES", 16, 1, 256));
    }
}
