package dev.s3loader.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.s3loader.embedded.MotoServer;
import dev.s3loader.embedded.SharedServers;
import dev.s3loader.embedded.fixtures.SdkCredentialProperties;
import dev.s3loader.model.Layout;
import dev.s3loader.model.ListerRun;
import java.net.URI;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * {@code s3loader check --stack} against moto_server, which answers every control-plane call the
 * check makes (CloudFormation DescribeStacks and ListStackResources, SQS GetQueueAttributes, Lambda
 * GetEventSourceMapping and Invoke, EventBridge DescribeRule, S3): a stack whose event source
 * mapping is disabled is reported on one line with the command that enables it. moto cannot run
 * the function (it needs Docker), so Invoke answers a function error: the loader item reports it.
 */
class CheckStackTest {
    private static String endpoint;
    private static SdkCredentialProperties credentials;

    private static final String TEMPLATE = """
            {"Parameters": {"EventFastPath": {"Type": "String", "Default": "false"}, "ContainerWorkers": {"Type": "String", "Default": "0"}},
             "Resources": {
              "DeadLetterQueue": {"Type": "AWS::SQS::Queue"},
              "LoadQueue": {"Type": "AWS::SQS::Queue", "Properties": {"RedrivePolicy":
                  {"deadLetterTargetArn": {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]}, "maxReceiveCount": 5}}},
              "LoaderRole": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Version": "2012-10-17",
                  "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}}},
              "LoaderFunction": {"Type": "AWS::Lambda::Function", "Properties": {"Runtime": "java21",
                  "Handler": "dev.s3loader.loader.LoaderHandler::handleRequest", "Role": {"Fn::GetAtt": ["LoaderRole", "Arn"]},
                  "Code": {"ZipFile": "x"}}},
              "LoaderEventSourceMapping": {"Type": "AWS::Lambda::EventSourceMapping", "Properties": {
                  "EventSourceArn": {"Fn::GetAtt": ["LoadQueue", "Arn"]}, "FunctionName": {"Ref": "LoaderFunction"},
                  "Enabled": %s, "FunctionResponseTypes": ["ReportBatchItemFailures"]}},
              "ListerScheduleRule": {"Type": "AWS::Events::Rule", "Properties": {"ScheduleExpression": "rate(1 minute)", "State": "ENABLED"}},
              "Bucket": {"Type": "AWS::S3::Bucket"},
              "ContainerCluster": {"Type": "AWS::ECS::Cluster"},
              "ContainerTaskDefinition": {"Type": "AWS::ECS::TaskDefinition", "Properties": {"Family": "loader",
                  "ContainerDefinitions": [{"Name": "loader", "Image": "loader", "Memory": 512}]}},
              "ContainerService": {"Type": "AWS::ECS::Service", "Properties": {"Cluster": {"Ref": "ContainerCluster"},
                  "TaskDefinition": {"Ref": "ContainerTaskDefinition"}, "DesiredCount": 2}}},
             "Outputs": {
              "QueueUrl": {"Value": {"Ref": "LoadQueue"}}, "DeadLetterQueueUrl": {"Value": {"Ref": "DeadLetterQueue"}},
              "BucketName": {"Value": {"Ref": "Bucket"}}, "LoaderFunctionName": {"Value": {"Ref": "LoaderFunction"}}}}
            """;

    @BeforeAll
    static void startMoto() {
        assumeTrue(MotoServer.program().isPresent(), "moto_server is not installed (pip install 'moto[server]')");
        endpoint = SharedServers.moto().endpoint().toString();
        credentials = SdkCredentialProperties.set("testing", "testing");
    }

    @AfterAll
    static void restoreCredentials() {
        if (credentials != null) {
            credentials.close();
        }
    }

    /** Creates the stack in moto and records a fresh lister run in its bucket. */
    private static String stack(boolean mappingEnabled) {
        return stack(mappingEnabled, false, 0);
    }

    private static String stack(boolean mappingEnabled, boolean fastPath) {
        return stack(mappingEnabled, fastPath, 0);
    }

    private static String stack(boolean mappingEnabled, boolean fastPath, int containerWorkers) {
        String name = "p" + UUID.randomUUID().toString().substring(0, 8);
        var credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing"));
        try (CloudFormationClient cfn = CloudFormationClient.builder().endpointOverride(URI.create(endpoint))
                .region(Region.US_EAST_1).credentialsProvider(credentials).build()) {
            cfn.createStack(b -> b.stackName(name).templateBody(TEMPLATE.formatted(mappingEnabled))
                    .parameters(p -> p.parameterKey("EventFastPath").parameterValue(String.valueOf(fastPath)),
                            p -> p.parameterKey("ContainerWorkers").parameterValue(String.valueOf(containerWorkers))));
            String bucket = cfn.describeStacks(b -> b.stackName(name)).stacks().get(0).outputs().stream()
                    .filter(o -> o.outputKey().equals("BucketName")).findFirst().orElseThrow().outputValue();
            try (S3Client s3 = S3Client.builder().endpointOverride(URI.create(endpoint)).forcePathStyle(true)
                    .region(Region.US_EAST_1).credentialsProvider(credentials).build()) {
                Instant now = Instant.now();
                s3.putObject(b -> b.bucket(bucket).key(Layout.defaults().listerLastRunKey()), RequestBody.fromString(
                        ListerRun.ok(now.minusSeconds(1), now, new ListerRun.Figures(0, 0, 0, 0, 0, 0, 0, 0, 0, true)).toJson()));
            }
        }
        return name;
    }

    private static StatusCommandTest.Run check(String stack, String... more) {
        Map<String, String> env = new HashMap<>();
        env.put("AWS_REGION", "us-east-1");
        env.put("AWS_ENDPOINT_URL", endpoint);
        env.put("AWS_ENDPOINT_URL_CLOUDFORMATION", endpoint);
        env.put("AWS_ENDPOINT_URL_S3", endpoint);
        env.put("AWS_ENDPOINT_URL_SQS", endpoint);
        String[] args = java.util.stream.Stream.concat(java.util.stream.Stream.of("check", "--stack", stack),
                java.util.Arrays.stream(more)).toArray(String[]::new);
        return StatusCommandTest.run(env, args);
    }

    @Test
    void check_stackWithDisabledMapping_namesTheMappingAndTheCommand() {
        String stack = stack(false);

        StatusCommandTest.Run r = check(stack);

        assertThat(r.status()).as(r.out() + r.err()).isEqualTo(1);
        assertThat(r.out()).contains("s3loader check of stack " + stack,
                "  ok       queue redrive policy: after 5 receives a message goes to arn:aws:sqs:us-east-1:",
                "  ok       lister last run: ok, ended at ",
                "  ok       lister schedule: " + stack + "-ListerScheduleRule-")
                .containsPattern("  PROBLEM  event source mapping: ([0-9a-f-]+) is Disabled: nothing is loaded from the queue -- do: "
                        + "aws lambda update-event-source-mapping --uuid \\1 --enabled")
                .containsPattern("  PROBLEM  loader function: " + stack + "-LoaderFunction-\\S+ failed \\(Handled\\): ");
    }

    @Test
    void check_stackWithEnabledMapping_wiringHolds() {
        String stack = stack(true);

        StatusCommandTest.Run r = check(stack, "--json");

        assertThat(r.out()).contains("{\"name\":\"event source mapping\",\"ok\":true,", "Enabled, ReportBatchItemFailures");
        assertThat(r.out()).doesNotContain("\"ok\":false,\"detail\":\"cannot describe");
    }

    @Test
    void check_unknownStack_exitsTwoWithOneLine() {
        StatusCommandTest.Run r = check("no-such-stack");

        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err().strip()).startsWith("s3loader check: --stack: ").doesNotContain("\n");
    }

    @Test
    void check_fastPathWithoutNotification_isAProblem_untilTheBucketNotifiesTheQueue() {
        String stack = stack(true, true);
        StatusCommandTest.Run before = check(stack);
        var credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing"));
        try (CloudFormationClient cfn = CloudFormationClient.builder().endpointOverride(URI.create(endpoint))
                .region(Region.US_EAST_1).credentialsProvider(credentials).build();
             S3Client s3 = S3Client.builder().endpointOverride(URI.create(endpoint)).forcePathStyle(true)
                     .region(Region.US_EAST_1).credentialsProvider(credentials).build();
             var sqs = software.amazon.awssdk.services.sqs.SqsClient.builder().endpointOverride(URI.create(endpoint))
                     .region(Region.US_EAST_1).credentialsProvider(credentials).build()) {
            Map<String, String> outputs = new HashMap<>();
            cfn.describeStacks(b -> b.stackName(stack)).stacks().get(0).outputs().forEach(o -> outputs.put(o.outputKey(), o.outputValue()));
            String queueArn = sqs.getQueueAttributes(b -> b.queueUrl(outputs.get("QueueUrl"))
                    .attributeNamesWithStrings("QueueArn")).attributesAsStrings().get("QueueArn");
            s3.putBucketNotificationConfiguration(b -> b.bucket(outputs.get("BucketName")).notificationConfiguration(n -> n
                    .queueConfigurations(q -> q.queueArn(queueArn).eventsWithStrings("s3:ObjectCreated:*")
                            .filter(f -> f.key(k -> k.filterRules(r -> r.name("prefix").value("incoming/")))))));
        }
        StatusCommandTest.Run after = check(stack);

        assertThat(before.out()).contains("  PROBLEM  bucket notification: EventFastPath is on but s3://")
                .contains("-- do: add the stack's EventNotificationConfiguration output to the bucket's notification configuration");
        assertThat(after.out()).contains("  ok       bucket notification: s3://").contains(" of s3:ObjectCreated:* under incoming/");
    }

    @Test
    void check_containerServiceRunningFewerTasksThanWorkers_isAProblem() {
        // moto keeps runningCount at 0 (it runs no task): the service is short of its ContainerWorkers.
        String stack = stack(true, false, 2);

        StatusCommandTest.Run r = check(stack);

        assertThat(r.out()).containsPattern("  PROBLEM  container service: " + stack + "-ContainerService-\\S+: 0 of 2 tasks running "
                + "\\(desired 2\\) -- do: aws ecs describe-services --cluster " + stack + "-ContainerCluster-\\S+ --services ");
    }
}
