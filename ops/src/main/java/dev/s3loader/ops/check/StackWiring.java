package dev.s3loader.ops.check;

import dev.s3loader.model.CheckItem;
import dev.s3loader.model.Env;
import dev.s3loader.model.Layout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.Stack;
import software.amazon.awssdk.services.cloudformation.model.StackResourceSummary;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.GetEventSourceMappingResponse;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.FilterRule;

/**
 * The wiring of a deployed stack, described from its own resources: CloudFormation's
 * DescribeStacks (parameters and outputs) and ListStackResources (logical to physical ids), then
 * one describe call per resource: SQS GetQueueAttributes, Lambda GetEventSourceMapping, EventBridge
 * DescribeRule, S3 GetBucketNotificationConfiguration (EventFastPath=true only) and ECS
 * DescribeServices (ContainerWorkers above 0 only). A call that is refused becomes a problem item
 * naming the permission, not a failed command.
 */
public final class StackWiring {
    private final String stackName;
    private final CloudFormationClient cloudFormation;
    private final LambdaClient lambda;
    private final EventBridgeClient events;
    private final EcsClient ecs;
    private final S3Client s3;
    private final QueueWiring queues;

    public StackWiring(String stackName, CloudFormationClient cloudFormation, LambdaClient lambda, EventBridgeClient events,
                       EcsClient ecs, S3Client s3, QueueWiring queues) {
        this.stackName = stackName;
        this.cloudFormation = cloudFormation;
        this.lambda = lambda;
        this.events = events;
        this.ecs = ecs;
        this.s3 = s3;
        this.queues = queues;
    }

    /** The stack as described: its parameters, outputs and resources (logical id to physical id). */
    public record Described(Map<String, String> parameters, Map<String, String> outputs, Map<String, String> resources) {
        String parameter(String name, String fallback) {
            String v = parameters.get(name);
            return v == null || v.isBlank() ? fallback : v;
        }

        /** The prefixes as the functions read them (INCOMING_PREFIX, …), from the stack's parameters. */
        Layout layout() {
            Map<String, String> env = new HashMap<>();
            Map.of("IncomingPrefix", "INCOMING_PREFIX", "ProcessedPrefix", "PROCESSED_PREFIX", "FailedPrefix", "FAILED_PREFIX",
                    "InternalPrefix", "INTERNAL_PREFIX").forEach((p, v) -> Optional.ofNullable(parameters.get(p)).ifPresent(x -> env.put(v, x)));
            return Layout.fromEnv(new Env(env));
        }
    }

    public Described describe() {
        Stack stack = cloudFormation.describeStacks(b -> b.stackName(stackName)).stacks().get(0);
        Map<String, String> parameters = new HashMap<>();
        stack.parameters().forEach(p -> parameters.put(p.parameterKey(), p.parameterValue()));
        Map<String, String> outputs = new HashMap<>();
        stack.outputs().forEach(o -> outputs.put(o.outputKey(), o.outputValue()));
        Map<String, String> resources = new HashMap<>();
        for (StackResourceSummary r : cloudFormation.listStackResourcesPaginator(b -> b.stackName(stackName)).stackResourceSummaries()) {
            if (r.physicalResourceId() != null) {
                resources.put(r.logicalResourceId(), r.physicalResourceId());
            }
        }
        return new Described(parameters, outputs, resources);
    }

    public List<CheckItem> items(Described d, Duration staleAfter) {
        List<CheckItem> items = new ArrayList<>();
        String queueUrl = d.outputs().getOrDefault("QueueUrl", d.resources().get("LoadQueue"));
        String dlqUrl = d.outputs().getOrDefault("DeadLetterQueueUrl", d.resources().get("DeadLetterQueue"));
        String bucket = d.outputs().get("BucketName");
        Layout layout = d.layout();
        items.addAll(queues.items(queueUrl, dlqUrl, bucket, layout, staleAfter));
        String queueArn = queues.arn(queueUrl).orElse("(the queue " + queueUrl + ")");

        boolean lambdaLoader = !"false".equals(d.parameter("LambdaLoaderEnabled", "true"));
        String uuid = d.resources().get("LoaderEventSourceMapping");
        if (uuid == null) {
            items.add(WiringRules.mapping(Optional.empty(), queueArn, lambdaLoader));
        } else {
            try {
                GetEventSourceMappingResponse m = lambda.getEventSourceMapping(b -> b.uuid(uuid));
                items.add(WiringRules.mapping(Optional.of(new WiringRules.MappingView(uuid, m.state(),
                        m.functionResponseTypesAsStrings(), m.eventSourceArn())), queueArn, lambdaLoader));
            } catch (SdkException e) {
                items.add(refused("event source mapping", "lambda:GetEventSourceMapping", e));
            }
        }

        String rule = d.resources().get("ListerScheduleRule");
        if (rule == null) {
            items.add(WiringRules.schedule(Optional.empty()));
        } else {
            try {
                var r = events.describeRule(b -> b.name(rule));
                items.add(WiringRules.schedule(Optional.of(new WiringRules.RuleView(rule, r.stateAsString(), r.scheduleExpression()))));
            } catch (SdkException e) {
                items.add(refused("lister schedule", "events:DescribeRule", e));
            }
        }

        if ("true".equals(d.parameter("EventFastPath", "false"))) {
            try {
                var n = s3.getBucketNotificationConfiguration(b -> b.bucket(bucket));
                List<WiringRules.QueueNotificationView> views = n.queueConfigurations().stream()
                        .map(q -> new WiringRules.QueueNotificationView(q.queueArn(), q.eventsAsStrings(),
                                q.filter() == null || q.filter().key() == null ? Optional.empty()
                                        : q.filter().key().filterRules().stream().filter(f -> "prefix".equalsIgnoreCase(f.nameAsString()))
                                        .map(FilterRule::value).findFirst()))
                        .toList();
                items.add(WiringRules.notification(views, queueArn, layout.incoming(), bucket));
            } catch (SdkException e) {
                items.add(refused("bucket notification", "s3:GetBucketNotification", e));
            }
        }

        int containers = Integer.parseInt(d.parameter("ContainerWorkers", "0"));
        if (containers > 0) {
            String cluster = d.resources().get("ContainerCluster");
            String service = d.resources().get("ContainerService");
            if (cluster == null || service == null) {
                items.add(WiringRules.containers(Optional.empty(), containers));
            } else {
                try {
                    var s = ecs.describeServices(b -> b.cluster(cluster).services(service)).services().stream().findFirst()
                            .map(x -> new WiringRules.ServiceView(cluster, x.serviceName(), x.status(), x.desiredCount(), x.runningCount()));
                    items.add(WiringRules.containers(s, containers));
                } catch (SdkException e) {
                    items.add(refused("container service", "ecs:DescribeServices", e));
                }
            }
        }
        return items;
    }

    static CheckItem refused(String name, String action, SdkException e) {
        return CheckItem.problem(name, "cannot describe it: " + Describe.error(e), Describe.accessDenied(e)
                ? "grant yourself " + action + " (docs/operations.md, \"The operator's permissions\")" : "run the check again; if it persists, "
                + "check the region and the stack");
    }
}
