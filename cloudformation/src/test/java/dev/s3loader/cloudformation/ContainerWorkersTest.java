package dev.s3loader.cloudformation;

import static dev.s3loader.cloudformation.CfnTemplate.cast;
import static dev.s3loader.cloudformation.CfnTemplate.list;
import static dev.s3loader.cloudformation.IamTest.statements;
import static dev.s3loader.cloudformation.IamTest.strings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.s3loader.model.LoaderConfig;
import dev.s3loader.model.PollerConfig;
import dev.s3loader.model.WorkerConfig;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The optional ECS Fargate workers (ContainerWorkers above 0): nothing of them exists by default;
 * when on, the task role grants exactly what the worker's code calls (the loader role's data
 * statements, the same ones, plus the poller's queue calls), the execution role only the image's
 * repository and the log group, and the task gets the Lambda's settings plus the poller's.
 */
class ContainerWorkersTest {
    private static final CfnTemplate T = CfnTemplate.main();
    static final String DIGEST = "sha256:" + "0a1b2c3d4e5f6789".repeat(4);
    static final String IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/s3loader-loader@" + DIGEST;
    static final String MAIN = "dev.s3loader.loader.LoaderMain";
    private static final Set<String> LAMBDA_ONLY_STATEMENTS = Set.of("EventSourceMapping", "VpcNetworkInterfaces", "Logs");

    static List<Scenario> enabled() {
        return Scenario.all().stream().map(ContainerWorkersTest::withWorkers).toList();
    }

    static Scenario withWorkers(Scenario s) {
        return s.with("ContainerWorkers", "2", "ContainerImageUri", IMAGE, "ContainerSubnetIds", "subnet-0a1b2c3d,subnet-4e5f6a7b",
                "ContainerSecurityGroupIds", "sg-0123abcd");
    }

    private static List<String> containerResources() {
        return T.resources().keySet().stream().filter(id -> id.startsWith("Container")).toList();
    }

    @Test
    void resources_existOnlyWhenContainerWorkersIsAboveZero() {
        assertThat(containerResources()).containsExactlyInAnyOrder("ContainerLogGroup", "ContainerCluster",
                "ContainerExecutionRole", "ContainerTaskRole", "ContainerTaskDefinition", "ContainerService", "ContainerTasksAlarm");
        for (Scenario off : Scenario.all()) {
            CfnEvaluator ev = off.evaluate(T);
            assertThat(containerResources()).as("[%s] created", off).noneMatch(ev::exists);
            assertThat(ev.outputs().keySet()).as("[%s] outputs", off).noneMatch(o -> o.startsWith("Container"));
            assertThat(ev.brokenRules()).as("[%s]", off).isEmpty();
        }
        for (Scenario on : enabled()) {
            CfnEvaluator ev = on.evaluate(T);
            assertThat(containerResources()).as("[%s] created", on).allMatch(ev::exists);
            assertThat(ev.outputs().keySet()).as("[%s] outputs", on)
                    .contains("ContainerClusterName", "ContainerServiceName", "ContainerLogGroupName");
            assertThat(ev.brokenRules()).as("[%s]", on).isEmpty();
            assertThat(ev.properties("ContainerService").get("DesiredCount")).isEqualTo("2");
        }
    }

    @Test
    void rules_workersWithoutImageSubnetsOrSecurityGroups_areRejectedNamingWhatIsMissing() {
        CfnEvaluator ev = Scenario.of("workers, nothing else", "ContainerWorkers", "1").evaluate(T);

        assertThat(ev.brokenRules()).containsExactlyInAnyOrder(
                "ContainerSettings: ContainerWorkers above 0 needs ContainerImageUri (build it with scripts/container and push it to ECR).",
                "ContainerSettings: ContainerWorkers above 0 needs ContainerSubnetIds.",
                "ContainerSettings: ContainerWorkers above 0 needs ContainerSecurityGroupIds.");
        assertThatThrownBy(() -> withWorkers(Scenario.of("docker hub")).with("ContainerImageUri", "library/s3loader:1").evaluate(T))
                .hasMessageContaining("ContainerImageUri");
        assertThatThrownBy(() -> withWorkers(Scenario.of("deadline")).with("ContainerBatchDeadlineSeconds", "43200").evaluate(T))
                .hasMessageContaining("above MaxValue 41400");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("enabled")
    void taskRole_grantsExactlyTheActionsTheWorkersCodeCalls(Scenario scenario) {
        // Arrange
        CfnEvaluator ev = scenario.evaluate(T);
        var code = FunctionCode.scanContainer(MAIN);
        Map<String, Set<String>> because = new TreeMap<>();
        for (var call : code.calls()) {
            for (String action : IamActions.actionsFor(call, scenario)) {
                because.computeIfAbsent(action, a -> new TreeSet<>()).add(call.key() + " in " + call.caller());
            }
        }
        if (!scenario.parameters().getOrDefault("ExistingBucketKmsKeyArn", "").isEmpty()) {
            IamActions.SSE_KMS.forEach(a -> because.computeIfAbsent(a, x -> new TreeSet<>()).add("SSE-KMS bucket"));
        }

        // Act
        Set<String> granted = new TreeSet<>();
        statements(ev, "ContainerTaskRole").forEach(s -> granted.addAll(strings(s.get("Action"))));

        // Assert
        assertThat(because.keySet()).as("the worker's code makes the poller's queue calls")
                .contains("sqs:ReceiveMessage", "sqs:ChangeMessageVisibility", "sqs:DeleteMessage");
        Map<String, Set<String>> missing = new TreeMap<>(because);
        missing.keySet().removeAll(granted);
        Set<String> extra = new TreeSet<>(granted);
        extra.removeAll(because.keySet());
        assertThat(missing).as("[%s] actions the worker needs that ContainerTaskRole does not grant", scenario).isEmpty();
        assertThat(extra).as("[%s] actions ContainerTaskRole grants that no call of the worker needs", scenario).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("enabled")
    void taskRole_dataStatements_areTheLoaderRoles_andTheQueueIsTheLoadQueue(Scenario scenario) {
        CfnEvaluator ev = scenario.evaluate(T);
        Map<Object, Map<String, Object>> loader = new LinkedHashMap<>();
        statements(ev, "LoaderRole").stream().filter(s -> !LAMBDA_ONLY_STATEMENTS.contains(s.get("Sid")))
                .forEach(s -> loader.put(s.get("Sid"), s));
        Map<Object, Map<String, Object>> task = new LinkedHashMap<>();
        statements(ev, "ContainerTaskRole").forEach(s -> task.put(s.get("Sid"), s));
        Map<String, Object> queue = task.remove("Queue");

        assertThat(task).as("[%s] the task role's data statements, by Sid", scenario).isEqualTo(loader);
        List<String> queues = new ArrayList<>(List.of((String) ev.getAtt("LoadQueue", "Arn", "t")));
        if (ev.exists("EventQueue")) {
            queues.add((String) ev.getAtt("EventQueue", "Arn", "t"));
        }
        assertThat(strings(queue.get("Resource"))).as("[%s] the load queue, and the events' with EventFastPath", scenario)
                .containsExactlyElementsOf(queues);
        assertThat(String.valueOf(ev.properties("ContainerTaskRole").get("AssumeRolePolicyDocument")))
                .contains("Service=ecs-tasks.amazonaws.com");
    }

    @Test
    void executionRole_pullsOnlyTheImagesRepository_andWritesOnlyItsLogGroup() {
        for (String image : List.of(IMAGE)) {
            CfnEvaluator ev = withWorkers(Scenario.of("image")).with("ContainerImageUri", image).evaluate(T);
            Map<Object, Map<String, Object>> bySid = new TreeMap<>();
            statements(ev, "ContainerExecutionRole").forEach(s -> bySid.put(s.get("Sid"), s));

            assertThat(bySid.keySet()).as(image).containsExactly("Logs", "PullImage", "RegistryToken");
            assertThat(strings(bySid.get("PullImage").get("Resource"))).as(image)
                    .containsExactly("arn:aws:ecr:eu-west-1:123456789012:repository/team/s3loader-loader");
            assertThat(strings(bySid.get("PullImage").get("Action")))
                    .containsExactlyInAnyOrder("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer");
            assertThat(strings(bySid.get("RegistryToken").get("Action"))).containsExactly("ecr:GetAuthorizationToken");
            assertThat(strings(bySid.get("Logs").get("Resource")))
                    .containsExactly((String) ev.getAtt("ContainerLogGroup", "Arn", "t"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("enabled")
    void taskDefinition_environment_isTheLambdasPlusThePollers_andTheWorkerAcceptsIt(Scenario scenario) {
        // Arrange
        CfnEvaluator ev = scenario.evaluate(T);
        Map<String, Object> task = ev.properties("ContainerTaskDefinition");
        Map<String, Object> container = cast(list(task.get("ContainerDefinitions")).get(0));
        Map<String, String> env = new LinkedHashMap<>();
        for (Object e : list(container.get("Environment"))) {
            env.put((String) cast(e).get("Name"), CfnEvaluator.scalar(cast(e).get("Value")));
        }
        Map<String, String> lambda = EnvironmentTest.environment(ev.properties("LoaderFunction"));

        // Act: what LoaderMain reads, recorded.
        EnvironmentTest.RecordingMap recording = new EnvironmentTest.RecordingMap(env);
        LoaderConfig.fromEnv(recording);
        PollerConfig poller = PollerConfig.fromEnv(recording);
        WorkerConfig worker = WorkerConfig.fromEnv(recording);

        // Assert
        Map<String, String> shared = new LinkedHashMap<>(env);
        shared.keySet().retainAll(lambda.keySet());
        assertThat(shared).as("[%s] the Lambda's settings, the same values", scenario).isEqualTo(lambda);
        Set<String> own = new TreeSet<>(env.keySet());
        own.removeAll(lambda.keySet());
        own.remove("AWS_REGION");
        Set<String> known = new HashSet<>(PollerConfig.VARIABLES.keySet());
        known.addAll(WorkerConfig.VARIABLES.keySet());
        assertThat(known).as("[%s] the poller's and the worker's settings, all set", scenario).isEqualTo(own);
        Set<String> notRead = new TreeSet<>(env.keySet());
        notRead.removeAll(recording.read);
        assertThat(notRead).as("[%s] set but never read", scenario).containsExactly("AWS_REGION");
        assertThat(poller.queueUrl()).isEqualTo(ev.ref("LoadQueue", "t"));
        assertThat(poller.eventQueueUrl()).as("[%s] the events' queue, with EventFastPath", scenario)
                .isEqualTo(ev.exists("EventQueue") ? java.util.Optional.of(ev.ref("EventQueue", "t")) : java.util.Optional.empty());
        assertThat(Long.parseLong(CfnEvaluator.scalar(container.get("StopTimeout"))))
                .as("ECS kills the task after StopTimeout: the grace must end before, with time to hand back")
                .isGreaterThanOrEqualTo(worker.stopGrace().toSeconds() + 10);
        Map<String, Object> logs = cast(cast(container.get("LogConfiguration")).get("Options"));
        assertThat(logs.get("awslogs-group")).isEqualTo(ev.ref("ContainerLogGroup", "t"));
        assertThat(ev.properties("ContainerLogGroup").get("RetentionInDays")).isNotNull();
        assertThat(task.get("TaskRoleArn")).isEqualTo(ev.getAtt("ContainerTaskRole", "Arn", "t"));
        assertThat(task.get("ExecutionRoleArn")).isEqualTo(ev.getAtt("ContainerExecutionRole", "Arn", "t"));
    }

    @Test
    void lambdaLoaderEnabledFalse_turnsTheEventSourceMappingOff_andNeedsContainerWorkers() {
        CfnEvaluator containersOnly = withWorkers(Scenario.of("containers only")).with("LambdaLoaderEnabled", "false").evaluate(T);
        CfnEvaluator nobody = Scenario.of("nobody loads", "LambdaLoaderEnabled", "false").evaluate(T);

        assertThat(containersOnly.properties("LoaderEventSourceMapping").get("Enabled")).isEqualTo("false");
        assertThat(containersOnly.brokenRules()).isEmpty();
        assertThat(nobody.brokenRules())
                .containsExactly("SomeoneLoads: LambdaLoaderEnabled false needs ContainerWorkers above 0, or nothing loads.");
        assertThat(Scenario.of("defaults").evaluate(T).properties("LoaderEventSourceMapping").get("Enabled")).isEqualTo("true");
    }

    /** ECS resolves a tag once, when a deployment starts: a re-pushed tag would roll nothing (docs/deploy.md, Container workers). */
    @Test
    void imageUri_aDigestIsAccepted_aTagOrNoReferenceIsRejectedNamingThePush() {
        for (String image : List.of(IMAGE, "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/s3loader-loader@" + DIGEST)) {
            assertThat(withWorkers(Scenario.of("digest")).with("ContainerImageUri", image).evaluate(T).brokenRules()).as(image).isEmpty();
        }
        for (String image : List.of("123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/s3loader-loader:0.1.0",
                "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/s3loader-loader",
                "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/s3loader-loader@sha256:0a1b")) {
            assertThatThrownBy(() -> withWorkers(Scenario.of("tag")).with("ContainerImageUri", image).evaluate(T))
                    .as(image).hasMessageContaining("ContainerImageUri");
        }
        assertThat((String) T.parameter("ContainerImageUri").get("ConstraintDescription"))
                .contains("@sha256:").contains("scripts/container --push");
    }

    /** In China the registry is ACCOUNT.dkr.ecr.REGION.amazonaws.com.cn (AWS::URLSuffix amazonaws.com.cn). */
    @Test
    void executionRole_inTheChinaPartition_pullsOnlyTheImagesRepository() {
        for (String image : List.of("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/team/s3loader-loader@" + DIGEST)) {
            Scenario s = withWorkers(Scenario.of("china")).with("ContainerImageUri", image);
            CfnEvaluator ev = new CfnEvaluator(T, s.parameters(), CfnEvaluator.Partition.CHINA);
            Map<Object, Map<String, Object>> bySid = new TreeMap<>();
            statements(ev, "ContainerExecutionRole").forEach(st -> bySid.put(st.get("Sid"), st));

            assertThat(strings(bySid.get("PullImage").get("Resource"))).as(image)
                    .containsExactly("arn:aws-cn:ecr:cn-north-1:123456789012:repository/team/s3loader-loader");
        }
    }

    /**
     * The worker's metrics are EMF lines in its log: ECS's non-blocking default (since June 2025)
     * drops lines when its buffer fills, and with them the metrics the alarms watch.
     */
    @Test
    void taskDefinition_logs_areDeliveredInBlockingMode() {
        CfnEvaluator ev = withWorkers(Scenario.of("logs")).evaluate(T);
        Map<String, Object> container = CfnTemplate.cast(list(ev.properties("ContainerTaskDefinition").get("ContainerDefinitions")).get(0));
        Map<String, Object> logs = CfnTemplate.cast(container.get("LogConfiguration"));

        assertThat(logs.get("LogDriver")).isEqualTo("awslogs");
        assertThat(CfnTemplate.cast(logs.get("Options"))).containsEntry("mode", "blocking");
    }

    @Test
    void tasksAlarm_watchesTheServicesRunningTasksAgainstContainerWorkers_withContainerInsightsOn() {
        CfnEvaluator on = withWorkers(Scenario.of("workers")).with("ContainerWorkers", "3").evaluate(T);

        assertThat(Scenario.of("defaults").evaluate(T).exists("ContainerTasksAlarm")).isFalse();
        assertThat(on.exists("ContainerTasksAlarm")).isTrue();
        Map<String, Object> alarm = on.properties("ContainerTasksAlarm");
        assertThat(alarm).containsEntry("Namespace", "ECS/ContainerInsights").containsEntry("MetricName", "RunningTaskCount")
                .containsEntry("ComparisonOperator", "LessThanThreshold").containsEntry("TreatMissingData", "breaching");
        assertThat(CfnEvaluator.scalar(alarm.get("Threshold"))).isEqualTo("3");
        Map<Object, Object> dimensions = new TreeMap<>();
        list(alarm.get("Dimensions")).forEach(d -> dimensions.put(CfnTemplate.cast(d).get("Name"), CfnTemplate.cast(d).get("Value")));
        assertThat(dimensions).containsEntry("ClusterName", on.ref("ContainerCluster", "t"))
                .containsEntry("ServiceName", on.getAtt("ContainerService", "Name", "t"));
        assertThat(String.valueOf(on.properties("ContainerCluster").get("ClusterSettings")))
                .as("RunningTaskCount exists only with Container Insights").contains("containerInsights").contains("enabled");
    }

    @Test
    void loaderErrorsAlarm_existsOnlyWhenTheLambdaLoaderLoads() {
        assertThat(Scenario.of("defaults").evaluate(T).exists("LoaderErrorsAlarm")).isTrue();
        assertThat(withWorkers(Scenario.of("containers only")).with("LambdaLoaderEnabled", "false").evaluate(T)
                .exists("LoaderErrorsAlarm")).isFalse();
    }

    @Test
    void subnetDescription_namesEveryEndpointTheWorkerReaches() {
        assertThat((String) T.parameter("ContainerSubnetIds").get("Description"))
                .contains("S3", "SQS", "ECR API", "ECR Docker registry", "CloudWatch Logs", "Secrets Manager", "Redshift Data API");
    }
}
