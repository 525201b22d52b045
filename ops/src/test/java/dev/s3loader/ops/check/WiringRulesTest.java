package dev.s3loader.ops.check;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3loader.model.CheckItem;
import dev.s3loader.model.ListerRun;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The wiring rules on described resources (the shapes AWS's describe calls answer), one problem each. */
class WiringRulesTest {
    private static final String QUEUE = "arn:aws:sqs:eu-west-1:123456789012:p-LoadQueue";
    private static final String DLQ = "arn:aws:sqs:eu-west-1:123456789012:p-DeadLetterQueue";

    private static WiringRules.MappingView mapping(String state, String... responseTypes) {
        return new WiringRules.MappingView("0f1e-uuid", state, List.of(responseTypes), QUEUE);
    }

    @Test
    void mapping_enabledWithReportBatchItemFailures_holds() {
        CheckItem i = WiringRules.mapping(Optional.of(mapping("Enabled", "ReportBatchItemFailures")), QUEUE, true);

        assertThat(i.ok()).isTrue();
        assertThat(i.detail()).isEqualTo("0f1e-uuid Enabled, ReportBatchItemFailures");
    }

    @Test
    void mapping_disabled_isAProblemWithTheCommandThatEnablesIt() {
        CheckItem i = WiringRules.mapping(Optional.of(mapping("Disabled", "ReportBatchItemFailures")), QUEUE, true);

        assertThat(i.ok()).isFalse();
        assertThat(i.detail()).isEqualTo("0f1e-uuid is Disabled: nothing is loaded from the queue");
        assertThat(i.fix()).isEqualTo("aws lambda update-event-source-mapping --uuid 0f1e-uuid --enabled");
    }

    @Test
    void mapping_disabledWithContainersOnly_holds_enabledThenIsAProblem() {
        assertThat(WiringRules.mapping(Optional.of(mapping("Disabled", "ReportBatchItemFailures")), QUEUE, false).ok()).isTrue();
        assertThat(WiringRules.mapping(Optional.of(mapping("Enabled", "ReportBatchItemFailures")), QUEUE, false).fix())
                .startsWith("aws lambda update-event-source-mapping --uuid 0f1e-uuid --no-enabled");
    }

    @Test
    void mapping_withoutReportBatchItemFailures_orMissing_orOtherQueue_areProblems() {
        assertThat(WiringRules.mapping(Optional.of(mapping("Enabled")), QUEUE, true).fix())
                .isEqualTo("aws lambda update-event-source-mapping --uuid 0f1e-uuid --function-response-types ReportBatchItemFailures");
        assertThat(WiringRules.mapping(Optional.empty(), QUEUE, true).ok()).isFalse();
        assertThat(WiringRules.mapping(Optional.of(new WiringRules.MappingView("u", "Enabled", List.of("ReportBatchItemFailures"),
                DLQ)), QUEUE, true).detail()).isEqualTo("u reads " + DLQ + ", not the queue " + QUEUE);
    }

    @Test
    void redrive_toTheDeadLetterQueue_holds_otherwiseNamesTheFix() {
        String policy = "{\"deadLetterTargetArn\":\"" + DLQ + "\",\"maxReceiveCount\":5}";

        assertThat(WiringRules.redrive(new WiringRules.QueueView("u", Optional.of(policy)), DLQ).detail())
                .isEqualTo("after 5 receives a message goes to " + DLQ);
        assertThat(WiringRules.redrive(new WiringRules.QueueView("u", Optional.empty()), DLQ).ok()).isFalse();
        assertThat(WiringRules.redrive(new WiringRules.QueueView("u", Optional.of(policy.replace(DLQ, QUEUE))), DLQ).detail())
                .isEqualTo("RedrivePolicy sends to '" + QUEUE + "', not the dead-letter queue " + DLQ);
        assertThat(WiringRules.redrive(new WiringRules.QueueView("u", Optional.of("{\"deadLetterTargetArn\":\"" + DLQ + "\",\"maxReceiveCount\":\"3\"}")),
                DLQ).ok()).as("SQS answers maxReceiveCount as a string too").isTrue();
    }

    @Test
    void schedule_disabled_isAProblemWithTheCommandThatEnablesIt() {
        CheckItem off = WiringRules.schedule(Optional.of(new WiringRules.RuleView("p-ListerScheduleRule-X", "DISABLED", "rate(1 minute)")));
        CheckItem on = WiringRules.schedule(Optional.of(new WiringRules.RuleView("r", "ENABLED", "rate(1 minute)")));

        assertThat(off.ok()).isFalse();
        assertThat(off.fix()).isEqualTo("aws events enable-rule --name p-ListerScheduleRule-X");
        assertThat(on.ok()).isTrue();
    }

    @Test
    void notification_mustSendObjectCreatedUnderIncomingToTheQueue() {
        var good = new WiringRules.QueueNotificationView(QUEUE, List.of("s3:ObjectCreated:*"), Optional.of("incoming/"));
        var elsewhere = new WiringRules.QueueNotificationView(QUEUE, List.of("s3:ObjectCreated:*"), Optional.of("other/"));
        var removed = new WiringRules.QueueNotificationView(QUEUE, List.of("s3:ObjectRemoved:*"), Optional.empty());

        assertThat(WiringRules.notification(List.of(removed, good), QUEUE, "incoming/", "b").ok()).isTrue();
        CheckItem missing = WiringRules.notification(List.of(removed, elsewhere), QUEUE, "incoming/", "b");
        assertThat(missing.ok()).isFalse();
        assertThat(missing.fix()).contains("EventNotificationConfiguration");
    }

    @Test
    void containers_fewerRunningThanWorkers_isAProblem() {
        CheckItem short1 = WiringRules.containers(Optional.of(new WiringRules.ServiceView("c", "s", "ACTIVE", 2, 1)), 2);

        assertThat(short1.ok()).isFalse();
        assertThat(short1.detail()).isEqualTo("s: 1 of 2 tasks running (desired 2)");
        assertThat(short1.fix()).startsWith("aws ecs describe-services --cluster c --services s");
        assertThat(WiringRules.containers(Optional.of(new WiringRules.ServiceView("c", "s", "ACTIVE", 2, 2)), 2).ok()).isTrue();
    }

    @Test
    void lastRun_failedOrStale_isAProblem() {
        Instant now = Instant.parse("2026-12-01T10:00:00Z");
        ListerRun failed = ListerRun.failed(now.minusSeconds(70), now.minusSeconds(60), "AccessDenied on ListObjectsV2");

        assertThat(WiringRules.lastRun(Optional.of(failed), Optional.empty(), now, Duration.ofMinutes(10)).detail())
                .isEqualTo("failed at 2026-12-01T09:59:00Z: AccessDenied on ListObjectsV2");
        assertThat(WiringRules.lastRun(Optional.empty(), Optional.of("x is unreadable"), now, Duration.ofMinutes(10)).ok()).isFalse();
    }
}
