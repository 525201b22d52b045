package dev.s3loader.cloudformation;

import static dev.s3loader.cloudformation.CfnEvaluator.ACCOUNT;
import static dev.s3loader.cloudformation.CfnEvaluator.REGION;
import static dev.s3loader.cloudformation.CfnEvaluator.STACK;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What {@code Ref} and {@code Fn::GetAtt} return for each resource type the template uses, in the
 * shape AWS returns (a queue's Ref is its URL, a bucket's its name, a topic's its ARN), with
 * generated physical names. The attribute lists are those of the CloudFormation resource
 * reference; a type or attribute missing here fails the check and must be added from that
 * reference.
 */
final class Placeholders {
    private static final Map<String, Set<String>> ATTRIBUTES = Map.ofEntries(
            Map.entry("AWS::S3::Bucket", Set.of("Arn", "DomainName", "RegionalDomainName", "WebsiteURL", "DualStackDomainName")),
            Map.entry("AWS::S3::BucketPolicy", Set.of()),
            Map.entry("AWS::SQS::Queue", Set.of("Arn", "QueueName", "QueueUrl")),
            Map.entry("AWS::Logs::LogGroup", Set.of("Arn")),
            Map.entry("AWS::IAM::Role", Set.of("Arn", "RoleId")),
            Map.entry("AWS::Lambda::Function", Set.of("Arn", "SnapStartResponse.ApplyOn", "SnapStartResponse.OptimizationStatus")),
            Map.entry("AWS::Lambda::Version", Set.of("Version", "FunctionArn")),
            Map.entry("AWS::Lambda::EventInvokeConfig", Set.of()),
            Map.entry("AWS::Lambda::Permission", Set.of()),
            Map.entry("AWS::Lambda::EventSourceMapping", Set.of("Id", "EventSourceMappingArn")),
            Map.entry("AWS::Events::Rule", Set.of("Arn")),
            Map.entry("AWS::SNS::Topic", Set.of("TopicArn", "TopicName")),
            Map.entry("AWS::SNS::Subscription", Set.of("Arn")),
            Map.entry("AWS::CloudWatch::Alarm", Set.of("Arn")),
            Map.entry("AWS::CloudWatch::Dashboard", Set.of()),
            Map.entry("AWS::ECS::Cluster", Set.of("Arn")),
            Map.entry("AWS::ECS::TaskDefinition", Set.of("TaskDefinitionArn")),
            Map.entry("AWS::ECS::Service", Set.of("Name", "ServiceArn")));

    private Placeholders() {
    }

    static Set<String> attributes(String type) {
        Set<String> a = ATTRIBUTES.get(type);
        if (a == null) {
            throw new AssertionError("resource type " + type + " is not known to the checks: add its Ref and attributes "
                    + "(from the CloudFormation resource reference) to Placeholders");
        }
        return a;
    }

    /** A generated physical name, as CloudFormation makes them: stack, logical id, a suffix. */
    static String physicalName(String id) {
        return STACK + "-" + id + "-1A2B3C4D5E6F";
    }

    static Object ref(CfnEvaluator ev, String id) {
        String type = ev.template.type(id);
        attributes(type);
        String name = physicalName(id);
        return switch (type) {
            case "AWS::S3::Bucket" -> name.toLowerCase(Locale.ROOT);
            case "AWS::SQS::Queue" -> "https://sqs." + REGION + ".amazonaws.com/" + ACCOUNT + "/" + name;
            case "AWS::Logs::LogGroup" -> logGroupName(ev, id);
            case "AWS::Lambda::Version" -> functionArn(ev, functionOf(ev, id)) + ":1";
            case "AWS::Lambda::Function", "AWS::IAM::Role", "AWS::Events::Rule", "AWS::CloudWatch::Alarm" -> name;
            case "AWS::SNS::Topic" -> "arn:aws:sns:" + REGION + ":" + ACCOUNT + ":" + name;
            case "AWS::SNS::Subscription" -> "arn:aws:sns:" + REGION + ":" + ACCOUNT + ":" + name + ":0000";
            case "AWS::CloudWatch::Dashboard" -> {
                Object n = ev.properties(id).get("DashboardName");
                yield n != null ? n : name;
            }
            default -> name;
        };
    }

    static Object attribute(CfnEvaluator ev, String id, String attribute, String where) {
        String type = ev.template.type(id);
        if (!attributes(type).contains(attribute)) {
            throw new AssertionError(where + ": " + type + " " + id + " has no attribute " + attribute
                    + " (known: " + attributes(type) + ")");
        }
        String name = physicalName(id);
        return switch (type + "." + attribute) {
            case "AWS::S3::Bucket.Arn" -> "arn:aws:s3:::" + ref(ev, id);
            case "AWS::SQS::Queue.Arn" -> "arn:aws:sqs:" + REGION + ":" + ACCOUNT + ":" + name;
            case "AWS::SQS::Queue.QueueName" -> name;
            case "AWS::SQS::Queue.QueueUrl" -> ref(ev, id);
            case "AWS::Logs::LogGroup.Arn" -> "arn:aws:logs:" + REGION + ":" + ACCOUNT + ":log-group:" + logGroupName(ev, id) + ":*";
            case "AWS::IAM::Role.Arn" -> "arn:aws:iam::" + ACCOUNT + ":role/" + name;
            case "AWS::Lambda::Function.Arn" -> functionArn(ev, id);
            case "AWS::Lambda::Version.Version" -> "1";
            case "AWS::Lambda::Version.FunctionArn" -> functionArn(ev, functionOf(ev, id));
            case "AWS::Events::Rule.Arn" -> "arn:aws:events:" + REGION + ":" + ACCOUNT + ":rule/" + name;
            case "AWS::SNS::Topic.TopicArn" -> ref(ev, id);
            case "AWS::SNS::Topic.TopicName" -> name;
            case "AWS::ECS::Service.Name" -> name;
            default -> "placeholder-" + id + "-" + attribute;
        };
    }

    private static String logGroupName(CfnEvaluator ev, String id) {
        Object n = ev.properties(id).get("LogGroupName");
        return n != null ? (String) n : physicalName(id);
    }

    private static String functionArn(CfnEvaluator ev, String functionId) {
        return "arn:aws:lambda:" + REGION + ":" + ACCOUNT + ":function:" + ref(ev, functionId);
    }

    /** The function a version resource publishes (its FunctionName is a Ref to it). */
    private static String functionOf(CfnEvaluator ev, String versionId) {
        Object fn = ev.template.properties(versionId).get("FunctionName");
        if (CfnTemplate.intrinsic(fn) != null && "Ref".equals(CfnTemplate.intrinsic(fn))) {
            return (String) CfnTemplate.cast(fn).get("Ref");
        }
        throw new AssertionError(versionId + ".FunctionName must be a Ref to the function");
    }
}
