package dev.s3loader.cloudformation;

import static dev.s3loader.cloudformation.CfnTemplate.cast;
import static dev.s3loader.cloudformation.CfnTemplate.list;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * How the pieces are wired: the queue against the loader (visibility, redrive, the event source
 * mapping), the batch size against the batching window, the lister's schedule, version and
 * concurrency, and the log groups.
 */
class WiringTest {
    private static final CfnTemplate T = CfnTemplate.main();

    @Test
    void queue_visibilityTimeout_isAtLeastSixTimesTheLoaderTimeoutPlusTheLongestBatchingWindow() {
        int longestWindow = Integer.parseInt(CfnEvaluator.scalar(T.parameter("MaximumBatchingWindowInSeconds").get("MaxValue")));
        List<Object> timeouts = list(T.parameter("LoaderTimeoutSeconds").get("AllowedValues"));
        assertThat(timeouts).isNotEmpty();
        for (Object timeout : timeouts) {
            // Arrange
            CfnEvaluator ev = Scenario.of("t", "LoaderTimeoutSeconds", CfnEvaluator.scalar(timeout)).evaluate(T);

            // Act
            int functionTimeout = Integer.parseInt(CfnEvaluator.scalar(ev.properties("LoaderFunction").get("Timeout")));
            int visibility = Integer.parseInt(CfnEvaluator.scalar(ev.properties("LoadQueue").get("VisibilityTimeout")));

            // Assert
            assertThat(functionTimeout).isEqualTo(Integer.parseInt(CfnEvaluator.scalar(timeout)));
            assertThat(visibility).as("visibility for a %d s loader", functionTimeout)
                    .isGreaterThanOrEqualTo(6 * functionTimeout + longestWindow)
                    .isLessThanOrEqualTo(43_200);
        }
    }

    @Test
    void queue_redrivesToTheDeadLetterQueue_afterMaxReceiveCount_whichTheLoaderKnows() {
        CfnEvaluator ev = Scenario.of("r", "MaxReceiveCount", "6").evaluate(T);
        Map<String, Object> redrive = cast(ev.properties("LoadQueue").get("RedrivePolicy"));

        assertThat(redrive).containsEntry("deadLetterTargetArn", ev.getAtt("DeadLetterQueue", "Arn", "test"))
                .containsEntry("maxReceiveCount", "6");
        assertThat(EnvironmentTest.environment(ev.properties("LoaderFunction"))).containsEntry("MAX_RECEIVE_COUNT", "6");
        assertThat(ev.properties("LoadQueue")).containsEntry("SqsManagedSseEnabled", true);
        assertThat(ev.properties("DeadLetterQueue")).containsEntry("SqsManagedSseEnabled", true);
        assertThat(Integer.parseInt(CfnEvaluator.scalar(ev.properties("DeadLetterQueue").get("MessageRetentionPeriod"))))
                .as("the dead-letter queue keeps messages longer than the queue")
                .isGreaterThan(Integer.parseInt(CfnEvaluator.scalar(ev.properties("LoadQueue").get("MessageRetentionPeriod"))));
    }

    @Test
    void eventSourceMapping_feedsTheLoader_withBatchesOfX_cappedConcurrency_andPartialBatchFailures() {
        CfnEvaluator ev = Scenario.of("m", "BatchSize", "200", "MaximumBatchingWindowInSeconds", "30", "MaxConcurrency", "7")
                .evaluate(T);
        List<String> mappings = T.resourcesOfType("AWS::Lambda::EventSourceMapping").stream().filter(ev::exists).toList();
        assertThat(mappings).as("without EventFastPath, one mapping: the load queue's").hasSize(1);
        Map<String, Object> esm = ev.properties(mappings.get(0));

        assertThat(esm).containsEntry("EventSourceArn", ev.getAtt("LoadQueue", "Arn", "test"))
                .containsEntry("FunctionName", ev.getAtt("LoaderFunction", "Arn", "test"))
                .containsEntry("BatchSize", "200")
                .containsEntry("MaximumBatchingWindowInSeconds", "30")
                .containsEntry("ScalingConfig", Map.of("MaximumConcurrency", "7"));
        assertThat(esm.get("Enabled")).as("on by default (LambdaLoaderEnabled)").isIn(true, "true", null);
        assertThat(list(esm.get("FunctionResponseTypes"))).containsExactly("ReportBatchItemFailures");
    }

    @ParameterizedTest(name = "BatchSize={0} window={1}")
    @CsvSource({"1,0", "10,0", "11,0", "11,1", "10000,0", "10000,300"})
    void batchSize_aboveTen_alwaysDeploysWithABatchingWindow(String batchSize, String window) {
        // Arrange
        CfnEvaluator ev = Scenario.of("b", "BatchSize", batchSize, "MaximumBatchingWindowInSeconds", window).evaluate(T);

        // Act
        boolean accepted = ev.brokenRules().isEmpty();

        // Assert
        if (Integer.parseInt(batchSize) <= 10) {
            assertThat(accepted).as("batches of up to 10 need no window").isTrue();
        } else if (window.equals("0")) {
            assertThat(accepted).as("Lambda rejects BatchSize > 10 without a window: the template's Rules must too").isFalse();
        } else {
            assertThat(accepted).isTrue();
            String deployed = CfnEvaluator.scalar(ev.properties("LoaderEventSourceMapping").get("MaximumBatchingWindowInSeconds"));
            assertThat(Integer.parseInt(deployed)).isGreaterThanOrEqualTo(1);
        }
    }

    @Test
    void lister_isJava21Arm64_snapStartedVersion_oneAtATime_onItsSchedule() {
        CfnEvaluator ev = Scenario.of("l", "ListerSchedule", "rate(2 minutes)").evaluate(T);
        Map<String, Object> fn = ev.properties("ListerFunction");
        String versionArn = (String) ev.ref("ListerVersion", "test");

        assertThat(fn).containsEntry("Runtime", "java21").containsEntry("Architectures", List.of("arm64"))
                .containsEntry("ReservedConcurrentExecutions", 1)
                .containsEntry("SnapStart", Map.of("ApplyOn", "PublishedVersions"));
        int timeout = (Integer) fn.get("Timeout");
        int longestRun = Integer.parseInt(CfnEvaluator.scalar(T.parameter("ListerRunForSeconds").get("MaxValue")));
        assertThat(longestRun).as("a run's refill time fits in the lister's timeout with room to save state")
                .isLessThan(timeout);
        Map<String, Object> rule = ev.properties("ListerScheduleRule");
        assertThat(rule).containsEntry("ScheduleExpression", "rate(2 minutes)").containsEntry("State", "ENABLED");
        assertThat(list(rule.get("Targets"))).singleElement()
                .satisfies(t -> assertThat(cast(t)).containsEntry("Arn", versionArn));
        assertThat(ev.properties("ListerInvokePermission")).containsEntry("FunctionName", versionArn)
                .containsEntry("Principal", "events.amazonaws.com")
                .containsEntry("SourceArn", ev.getAtt("ListerScheduleRule", "Arn", "test"));
        assertThat(ev.properties("ListerInvokeConfig")).containsEntry("Qualifier", "1")
                .containsEntry("MaximumRetryAttempts", 0);
    }

    @Test
    void listerVersion_isRepublished_whenTheCodeOrTheConfigurationChanges() {
        CfnEvaluator a = Scenario.of("a").evaluate(T);
        CfnEvaluator newCode = Scenario.of("b", "ListerCodeKey", "s3loader/lister-1111111111111111.jar").evaluate(T);
        CfnEvaluator newConfig = Scenario.of("c", "ConfigRevision", "9f8e7d6c5b4a3210").evaluate(T);

        // A version is published when the resource is replaced, which a new Description does.
        Object description = a.properties("ListerVersion").get("Description");
        assertThat(newCode.properties("ListerVersion").get("Description")).isNotEqualTo(description);
        assertThat(newConfig.properties("ListerVersion").get("Description")).isNotEqualTo(description);
    }

    @Test
    void loader_isJava21Arm64_withTheParameterisedTimeoutAndMemory_inTheVpcOnlyWhenAsked() {
        CfnEvaluator plain = Scenario.of("p", "LoaderMemoryMB", "2048").evaluate(T);
        CfnEvaluator vpc = Scenario.of("v", "LoaderSubnetIds", "subnet-1,subnet-2", "LoaderSecurityGroupIds", "sg-1").evaluate(T);

        assertThat(plain.properties("LoaderFunction")).containsEntry("Runtime", "java21")
                .containsEntry("Architectures", List.of("arm64")).containsEntry("MemorySize", "2048")
                .doesNotContainKey("VpcConfig");
        assertThat(vpc.properties("LoaderFunction")).containsEntry("VpcConfig",
                Map.of("SubnetIds", List.of("subnet-1", "subnet-2"), "SecurityGroupIds", List.of("sg-1")));
    }

    @Test
    void logGroups_ofEveryFunction_areTheStacksWithRetention() {
        CfnEvaluator ev = Scenario.of("l", "LogRetentionDays", "14").evaluate(T);
        for (String function : T.resourcesOfType("AWS::Lambda::Function")) {
            String group = IamTest.logGroupOf(function);

            assertThat(T.type(group)).isEqualTo("AWS::Logs::LogGroup");
            assertThat(ev.properties(group)).containsEntry("RetentionInDays", "14");
            assertThat(cast(ev.properties(function).get("LoggingConfig"))).containsEntry("LogGroup", ev.ref(group, "test"));
        }
    }
}
