package dev.s3loader.ops.check;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.s3loader.model.CheckItem;
import dev.s3loader.model.ListerRun;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What the check requires of each piece of the wiring, as pure functions of what was described
 * (so every rule is tested without AWS): each answers one {@link CheckItem} whose problem line says
 * what to do. The views hold only the fields a rule reads, in AWS's own terms.
 */
public final class WiringRules {
    private static final ObjectMapper JSON = new ObjectMapper();

    private WiringRules() {
    }

    /** GetQueueAttributes of the load queue: its RedrivePolicy (JSON, deadLetterTargetArn and maxReceiveCount). */
    public record QueueView(String url, Optional<String> redrivePolicy) {
    }

    /** GetEventSourceMapping: State (Enabled, Disabled, Creating, …) and FunctionResponseTypes. */
    public record MappingView(String uuid, String state, List<String> functionResponseTypes, String eventSourceArn) {
    }

    /** DescribeRule: State (ENABLED, DISABLED, …) and ScheduleExpression. */
    public record RuleView(String name, String state, String scheduleExpression) {
    }

    /** One QueueConfiguration of GetBucketNotificationConfiguration. */
    public record QueueNotificationView(String queueArn, List<String> events, Optional<String> prefix) {
    }

    /** DescribeServices: status (ACTIVE, DRAINING, INACTIVE), desiredCount and runningCount. */
    public record ServiceView(String cluster, String name, String status, int desiredCount, int runningCount) {
    }

    public static CheckItem redrive(QueueView queue, String deadLetterQueueArn) {
        String name = "queue redrive policy";
        if (queue.redrivePolicy().isEmpty()) {
            return CheckItem.problem(name, queue.url() + " has no RedrivePolicy: a message that always fails is received forever",
                    "set the queue's RedrivePolicy to {\"deadLetterTargetArn\":\"" + deadLetterQueueArn
                            + "\",\"maxReceiveCount\":5} (deploy the stack again)");
        }
        JsonNode p;
        try {
            p = JSON.readTree(queue.redrivePolicy().get());
        } catch (IOException e) {
            p = null;
        }
        if (p == null || !p.isObject()) {
            return CheckItem.problem(name, "RedrivePolicy is not JSON: " + queue.redrivePolicy().get(),
                    "deploy the stack again to restore the queue's RedrivePolicy");
        }
        String target = p.path("deadLetterTargetArn").asText("");
        int receives = p.path("maxReceiveCount").asInt(0);
        if (!target.equals(deadLetterQueueArn)) {
            return CheckItem.problem(name, "RedrivePolicy sends to '" + target + "', not the dead-letter queue " + deadLetterQueueArn,
                    "deploy the stack again (or point the RedrivePolicy's deadLetterTargetArn at " + deadLetterQueueArn + ")");
        }
        if (receives < 1) {
            return CheckItem.problem(name, "RedrivePolicy has no maxReceiveCount", "deploy the stack again (MaxReceiveCount)");
        }
        return CheckItem.ok(name, "after " + receives + " receives a message goes to " + deadLetterQueueArn);
    }

    /**
     * @param lambdaLoader false when the stack runs only container workers (LambdaLoaderEnabled=false): the
     *                     mapping is then disabled on purpose
     */
    public static CheckItem mapping(Optional<MappingView> mapping, String queueArn, boolean lambdaLoader) {
        String name = "event source mapping";
        if (mapping.isEmpty()) {
            return CheckItem.problem(name, "no event source mapping from the queue to the loader function",
                    "deploy the stack again (LoaderEventSourceMapping)");
        }
        MappingView m = mapping.get();
        if (!m.eventSourceArn().equals(queueArn)) {
            return CheckItem.problem(name, m.uuid() + " reads " + m.eventSourceArn() + ", not the queue " + queueArn,
                    "deploy the stack again");
        }
        if (!m.functionResponseTypes().contains("ReportBatchItemFailures")) {
            return CheckItem.problem(name, m.uuid() + " lacks FunctionResponseTypes ReportBatchItemFailures: one failed file "
                    + "sends the whole batch back", "aws lambda update-event-source-mapping --uuid " + m.uuid()
                    + " --function-response-types ReportBatchItemFailures");
        }
        if (!lambdaLoader) {
            return m.state().equals("Disabled") || m.state().equals("Disabling")
                    ? CheckItem.ok(name, m.uuid() + " " + m.state() + " (LambdaLoaderEnabled=false: the container workers load)")
                    : CheckItem.problem(name, m.uuid() + " is " + m.state() + " although LambdaLoaderEnabled=false",
                    "aws lambda update-event-source-mapping --uuid " + m.uuid() + " --no-enabled (or deploy the stack again)");
        }
        if (!m.state().equals("Enabled")) {
            return CheckItem.problem(name, m.uuid() + " is " + m.state() + ": nothing is loaded from the queue",
                    "aws lambda update-event-source-mapping --uuid " + m.uuid() + " --enabled");
        }
        return CheckItem.ok(name, m.uuid() + " Enabled, ReportBatchItemFailures");
    }

    public static CheckItem schedule(Optional<RuleView> rule) {
        String name = "lister schedule";
        if (rule.isEmpty()) {
            return CheckItem.problem(name, "the lister's schedule rule is missing", "deploy the stack again (ListerScheduleRule)");
        }
        RuleView r = rule.get();
        if (!r.state().startsWith("ENABLED")) {
            return CheckItem.problem(name, r.name() + " is " + r.state() + ": the lister does not run",
                    "aws events enable-rule --name " + r.name());
        }
        return CheckItem.ok(name, r.name() + " " + r.state() + ", " + r.scheduleExpression());
    }

    /** The lister's record of its last run ({@code <INTERNAL_PREFIX>lister/last-run.json}). */
    public static CheckItem lastRun(Optional<ListerRun> run, Optional<String> unreadable, Instant at, Duration staleAfter) {
        String name = "lister last run";
        if (unreadable.isPresent()) {
            return CheckItem.problem(name, unreadable.get(), "it is rewritten by the next lister run; if it stays so, read the lister's log");
        }
        if (run.isEmpty()) {
            return CheckItem.problem(name, "the lister has not recorded a run yet", "wait one schedule period, then read the lister's log");
        }
        ListerRun r = run.get();
        Duration since = Duration.between(r.endedAt(), at);
        if (!r.ok()) {
            return CheckItem.problem(name, "failed at " + r.endedAt() + ": " + r.error().orElse(""),
                    "read the lister's log for this run and fix its cause");
        }
        if (since.compareTo(staleAfter) > 0) {
            return CheckItem.problem(name, "ended at " + r.endedAt() + ", " + since.toMinutes() + " min ago (more than --stale-after "
                    + staleAfter.toMinutes() + " min)", "check the schedule and the lister's errors in its log");
        }
        return CheckItem.ok(name, "ok, ended at " + r.endedAt() + " (" + since.toSeconds() + " s ago)");
    }

    /** With EventFastPath on, the bucket must notify the queue of every object created under incoming/. */
    public static CheckItem notification(List<QueueNotificationView> configurations, String queueArn, String incomingPrefix,
                                         String bucket) {
        String name = "bucket notification";
        for (QueueNotificationView c : configurations) {
            boolean created = c.events().stream().anyMatch(e -> e.equals("s3:ObjectCreated:*") || e.startsWith("s3:ObjectCreated:"));
            boolean covers = c.prefix().map(incomingPrefix::startsWith).orElse(true);
            if (c.queueArn().equals(queueArn) && created && covers) {
                return CheckItem.ok(name, "s3://" + bucket + " notifies " + queueArn + " of " + String.join(",", c.events())
                        + c.prefix().map(p -> " under " + p).orElse(""));
            }
        }
        return CheckItem.problem(name, "EventFastPath is on but s3://" + bucket + " does not notify " + queueArn
                        + " of objects created under " + incomingPrefix + " (the lister alone dispatches, a schedule period later)",
                "add the stack's EventNotificationConfiguration output to the bucket's notification configuration "
                        + "(docs/design.md, \"Event fast path\")");
    }

    public static CheckItem containers(Optional<ServiceView> service, int expected) {
        String name = "container service";
        if (service.isEmpty()) {
            return CheckItem.problem(name, "the ECS service of the container workers is missing", "deploy the stack again");
        }
        ServiceView s = service.get();
        if (!s.status().equals("ACTIVE")) {
            return CheckItem.problem(name, s.name() + " is " + s.status(), "deploy the stack again");
        }
        if (s.runningCount() < expected) {
            return CheckItem.problem(name, s.name() + ": " + s.runningCount() + " of " + expected + " tasks running (desired "
                    + s.desiredCount() + ")", "aws ecs describe-services --cluster " + s.cluster() + " --services " + s.name()
                    + " (its events say why tasks stop), then the container log group");
        }
        return CheckItem.ok(name, s.name() + ": " + s.runningCount() + " of " + expected + " tasks running");
    }
}
