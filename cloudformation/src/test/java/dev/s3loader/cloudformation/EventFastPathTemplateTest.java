package dev.s3loader.cloudformation;

import static dev.s3loader.cloudformation.CfnTemplate.cast;
import static dev.s3loader.cloudformation.CfnTemplate.list;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The event fast path in the template: off by default; when on, S3 notifies a queue of its own
 * (never the lister's, whose depth the lister counts its messages by), which the loader reads too.
 */
class EventFastPathTemplateTest {
    private static final CfnTemplate T = CfnTemplate.main();

    private static Map<String, Object> listerEnv(CfnEvaluator ev) {
        return cast(cast(ev.properties("ListerFunction").get("Environment")).get("Variables"));
    }

    private static List<Object> statements(CfnEvaluator ev) {
        return list(cast(ev.properties("LoadQueuePolicy").get("PolicyDocument")).get("Statement"));
    }

    @Test
    void eventFastPath_default_isOffWithNoNotificationAndNoS3Permission() {
        CfnEvaluator ev = Scenario.of("defaults").evaluate(T);

        assertThat(T.parameter("EventFastPath")).containsEntry("Default", "false");
        assertThat(ev.properties("Bucket")).doesNotContainKey("NotificationConfiguration");
        assertThat(statements(ev)).noneSatisfy(st -> assertThat(st.toString()).contains("s3.amazonaws.com"));
        assertThat(listerEnv(ev)).containsEntry("EVENT_FAST_PATH", "false");
        assertThat(ev.outputs()).doesNotContainKey("EventNotificationConfiguration");
        assertThat(ev.exists("EventQueue")).isFalse();
        assertThat(ev.exists("LoaderEventQueueMapping")).isFalse();
    }

    @Test
    void eventFastPath_on_eventsHaveTheirOwnQueue_whichTheLoaderReadsAndTheListerNeverCounts() {
        CfnEvaluator ev = ContainerWorkersTest.withWorkers(Scenario.of("on", "EventFastPath", "true")).evaluate(T);
        Object eventQueueArn = ev.getAtt("EventQueue", "Arn", "test");
        Object loadQueueArn = ev.getAtt("LoadQueue", "Arn", "test");

        Map<String, Object> queueConfig = cast(list(cast(ev.properties("Bucket").get("NotificationConfiguration"))
                .get("QueueConfigurations")).getFirst());
        assertThat(queueConfig.get("Queue")).as("S3 notifies the event queue").isEqualTo(eventQueueArn)
                .isNotEqualTo(loadQueueArn);
        assertThat(listerEnv(ev)).as("the lister sends to and counts the load queue only")
                .containsEntry("QUEUE_URL", ev.ref("LoadQueue", "test"));
        assertThat(ev.properties("EventQueue")).containsEntry("SqsManagedSseEnabled", true)
                .containsEntry("VisibilityTimeout", ev.properties("LoadQueue").get("VisibilityTimeout"))
                .containsEntry("RedrivePolicy", ev.properties("LoadQueue").get("RedrivePolicy"));
        Map<String, Object> mapping = ev.properties("LoaderEventQueueMapping");
        assertThat(mapping).containsEntry("EventSourceArn", eventQueueArn)
                .containsEntry("FunctionName", ev.properties("LoaderEventSourceMapping").get("FunctionName"))
                .containsEntry("FunctionResponseTypes", List.of("ReportBatchItemFailures"));
        Map<String, Object> container = new java.util.HashMap<>();
        list(cast(list(ev.properties("ContainerTaskDefinition").get("ContainerDefinitions")).getFirst()).get("Environment"))
                .forEach(e -> container.put((String) cast(e).get("Name"), cast(e).get("Value")));
        assertThat(container).containsEntry("QUEUE_URL", ev.ref("LoadQueue", "test"))
                .containsEntry("EVENT_QUEUE_URL", ev.ref("EventQueue", "test"));
        assertThat(ev.outputs()).containsEntry("EventQueueUrl", ev.ref("EventQueue", "test"));
    }

    @Test
    void eventFastPath_createdBucket_notifiesTheQueueOfObjectsCreatedUnderIncomingAfterThePolicyAllowsIt() {
        CfnEvaluator ev = Scenario.of("on", "EventFastPath", "true", "EventGraceMinutes", "10", "IncomingPrefix", "drop/")
                .evaluate(T);

        Map<String, Object> queueConfig = cast(list(cast(ev.properties("Bucket").get("NotificationConfiguration"))
                .get("QueueConfigurations")).getFirst());
        assertThat(queueConfig).containsEntry("Event", "s3:ObjectCreated:*")
                .containsEntry("Queue", ev.getAtt("EventQueue", "Arn", "test"));
        assertThat(queueConfig.get("Filter").toString()).contains("Name=prefix, Value=drop/");
        // S3 checks that it may send when the notification is set: the queue policy must exist first.
        assertThat(T.resource("Bucket").get("DependsOn")).isEqualTo("LoadQueuePolicy");
        assertThat(ev.exists("LoadQueuePolicy")).isTrue();
        assertThat(cast(ev.properties("LoadQueuePolicy")).get("Queues"))
                .isEqualTo(List.of(ev.ref("LoadQueue", "test"), ev.ref("EventQueue", "test")));
        Map<String, Object> allow = statements(ev).stream().map(CfnTemplate::cast)
                .filter(st -> st.toString().contains("s3.amazonaws.com")).findFirst().orElseThrow();
        assertThat(allow).containsEntry("Effect", "Allow").containsEntry("Action", "sqs:SendMessage")
                .containsEntry("Resource", ev.getAtt("EventQueue", "Arn", "test"));
        Map<String, Object> condition = cast(allow.get("Condition"));
        assertThat(cast(condition.get("StringEquals"))).containsEntry("aws:SourceAccount", CfnEvaluator.ACCOUNT);
        assertThat(cast(condition.get("ArnLike"))).containsEntry("aws:SourceArn", "arn:aws:s3:::*");
        // SSE-SQS: S3 sends to it without a KMS key policy.
        assertThat(ev.properties("LoadQueue")).containsEntry("SqsManagedSseEnabled", true).doesNotContainKey("KmsMasterKeyId");
        assertThat(listerEnv(ev)).containsEntry("EVENT_FAST_PATH", "true").containsEntry("EVENT_GRACE_MINUTES", "10");
        assertThat(ev.outputs()).doesNotContainKey("EventNotificationConfiguration");
    }

    @Test
    void eventFastPath_existingBucket_allowsOnlyThatBucketAndOutputsTheConfigurationToAdd() {
        CfnEvaluator ev = Scenario.of("existing", "ExistingBucketName", "producer-drops", "EventFastPath", "true")
                .evaluate(T);

        assertThat(ev.exists("Bucket")).isFalse();
        Map<String, Object> allow = statements(ev).stream().map(CfnTemplate::cast)
                .filter(st -> st.toString().contains("s3.amazonaws.com")).findFirst().orElseThrow();
        assertThat(cast(cast(allow.get("Condition")).get("ArnLike")))
                .containsEntry("aws:SourceArn", "arn:aws:s3:::producer-drops");
        assertThat((String) ev.outputs().get("EventNotificationConfiguration"))
                .contains("\"QueueArn\":\"" + ev.getAtt("EventQueue", "Arn", "test") + "\"")
                .contains("\"Events\":[\"s3:ObjectCreated:*\"]").contains("\"Value\":\"incoming/\"");
        assertThat(listerEnv(ev)).containsEntry("EVENT_GRACE_MINUTES", "5");
    }
}
