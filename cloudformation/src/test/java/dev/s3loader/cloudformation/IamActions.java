package dev.s3loader.cloudformation;

import dev.s3loader.cloudformation.SdkCallScanner.SdkCall;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * The IAM actions each SDK operation needs, from the Service Authorization Reference and the
 * operations' own documentation. This table is the only hand-written part of the IAM check: which
 * operations the code calls is read from the compiled code (see {@link SdkCallScanner}), and an
 * operation that is not in this table fails the check until someone adds it here.
 *
 * <p>Operations are tagged with the deployments that use them: the loader jar holds the code of
 * every destination, but a copy deployment must not be granted the Redshift Data API.
 */
final class IamActions {
    /** Applies to every deployment. */
    private static final Predicate<Scenario> ALWAYS = s -> true;
    private static final Predicate<Scenario> POSTGRES_WITH_SECRET = s -> s.destination().equals("postgres")
            && !s.parameters().getOrDefault("DatabaseSecretArn", "").isEmpty();
    private static final Predicate<Scenario> REDSHIFT = s -> s.destination().equals("redshift");

    /** Methods of the client interfaces that are no AWS request. */
    static final Set<String> NOT_REQUESTS = Set.of("close", "serviceName", "serviceClientConfiguration", "utilities",
            "waiter", "toString", "hashCode", "equals");

    record Need(Set<String> actions, Predicate<Scenario> when, String why) {
    }

    static final Map<String, Need> OPERATIONS = Map.ofEntries(
            // ---- S3 ----
            need("s3:ListObjectsV2", ALWAYS, "listing (paginator included)", "s3:ListBucket"),
            need("s3:ListObjects", ALWAYS, "listing", "s3:ListBucket"),
            need("s3:GetObject", ALWAYS,
                    "s3:ListBucket so that a missing key answers 404 NoSuchKey instead of 403", "s3:GetObject", "s3:ListBucket"),
            need("s3:GetObjectAsBytes", ALWAYS, "the SDK's GetObject read into memory; authorised as GetObject",
                    "s3:GetObject", "s3:ListBucket"),
            need("s3:HeadObject", ALWAYS,
                    "HEAD is authorised as GetObject; s3:ListBucket so that a missing key answers 404 instead of 403",
                    "s3:GetObject", "s3:ListBucket"),
            need("s3:PutObject", ALWAYS, "write an object (conditional writes included)", "s3:PutObject"),
            need("s3:CopyObject", ALWAYS,
                    "read the source, write the target; the tag set is copied by default, which needs the tagging actions",
                    "s3:GetObject", "s3:GetObjectTagging", "s3:PutObject", "s3:PutObjectTagging"),
            need("s3:CreateMultipartUpload", ALWAYS, "multipart writes are authorised as PutObject", "s3:PutObject"),
            need("s3:UploadPart", ALWAYS, "multipart writes are authorised as PutObject", "s3:PutObject"),
            need("s3:UploadPartCopy", ALWAYS, "read the source, write the part", "s3:GetObject", "s3:PutObject"),
            need("s3:CompleteMultipartUpload", ALWAYS, "multipart writes are authorised as PutObject", "s3:PutObject"),
            need("s3:AbortMultipartUpload", ALWAYS, "its own action", "s3:AbortMultipartUpload"),
            need("s3:ListMultipartUploads", ALWAYS, "its own action", "s3:ListBucketMultipartUploads"),
            need("s3:ListParts", ALWAYS, "its own action", "s3:ListMultipartUploadParts"),
            need("s3:DeleteObject", ALWAYS, "delete (conditional deletes included)", "s3:DeleteObject"),
            need("s3:DeleteObjects", ALWAYS, "authorised per key as DeleteObject", "s3:DeleteObject"),
            need("s3:GetObjectTagging", ALWAYS, "its own action", "s3:GetObjectTagging"),
            need("s3:PutObjectTagging", ALWAYS, "its own action", "s3:PutObjectTagging"),
            // ---- SQS ----
            need("sqs:SendMessage", ALWAYS, "its own action", "sqs:SendMessage"),
            need("sqs:SendMessageBatch", ALWAYS, "authorised as SendMessage", "sqs:SendMessage"),
            need("sqs:GetQueueAttributes", ALWAYS, "its own action", "sqs:GetQueueAttributes"),
            need("sqs:GetQueueUrl", ALWAYS, "its own action", "sqs:GetQueueUrl"),
            need("sqs:ReceiveMessage", ALWAYS, "its own action", "sqs:ReceiveMessage"),
            need("sqs:DeleteMessage", ALWAYS, "its own action", "sqs:DeleteMessage"),
            need("sqs:DeleteMessageBatch", ALWAYS, "authorised as DeleteMessage", "sqs:DeleteMessage"),
            need("sqs:ChangeMessageVisibility", ALWAYS, "its own action", "sqs:ChangeMessageVisibility"),
            need("sqs:ChangeMessageVisibilityBatch", ALWAYS, "authorised as ChangeMessageVisibility", "sqs:ChangeMessageVisibility"),
            // ---- CloudWatch ----
            need("cloudwatch:PutMetricData", ALWAYS, "its own action (scoped by the cloudwatch:namespace condition)",
                    "cloudwatch:PutMetricData"),
            // ---- Secrets Manager: the postgres destination's credentials ----
            need("secretsmanager:GetSecretValue", POSTGRES_WITH_SECRET, "postgres credentials", "secretsmanager:GetSecretValue"),
            // ---- Redshift Data API: the redshift destination; statements also need the credentials (see below) ----
            need("redshiftdata:ExecuteStatement", REDSHIFT, "its own action", "redshift-data:ExecuteStatement"),
            need("redshiftdata:BatchExecuteStatement", REDSHIFT, "its own action", "redshift-data:BatchExecuteStatement"),
            need("redshiftdata:DescribeStatement", REDSHIFT, "its own action", "redshift-data:DescribeStatement"),
            need("redshiftdata:GetStatementResult", REDSHIFT, "its own action", "redshift-data:GetStatementResult"),
            need("redshiftdata:GetStatementResultV2", REDSHIFT, "authorised as GetStatementResult", "redshift-data:GetStatementResult"),
            need("redshiftdata:CancelStatement", REDSHIFT, "its own action", "redshift-data:CancelStatement"),
            need("redshiftdata:ListStatements", REDSHIFT, "its own action", "redshift-data:ListStatements"));

    private IamActions() {
    }

    private static Map.Entry<String, Need> need(String operation, Predicate<Scenario> when, String why, String... actions) {
        return Map.entry(operation, new Need(Set.of(actions), when, why));
    }

    /** The actions one call needs in this deployment (empty where the deployment does not use it). */
    static Set<String> actionsFor(SdkCall call, Scenario scenario) {
        if (NOT_REQUESTS.contains(call.method())) {
            return Set.of();
        }
        Need need = OPERATIONS.get(call.key());
        if (need == null) {
            throw new AssertionError("The code calls " + call.key() + " (" + call.method() + " in " + call.caller()
                    + "), which the operation-to-IAM-actions table in IamActions.java does not know. Add it there with "
                    + "the actions it needs (IAM Service Authorization Reference) and grant them in s3loader.yaml.");
        }
        if (!need.when().test(scenario)) {
            return Set.of();
        }
        Set<String> actions = new TreeSet<>(need.actions());
        if (call.service().equals("redshiftdata")
                && (call.operation().equals("ExecuteStatement") || call.operation().equals("BatchExecuteStatement"))) {
            actions.add(redshiftCredentials(scenario));
        }
        return actions;
    }

    /**
     * The Data API connects with the caller's permissions: a secret (GetSecretValue), temporary
     * credentials for the caller's IAM identity on a Serverless workgroup (GetCredentials) or on a
     * provisioned cluster (GetClusterCredentialsWithIAM), or for a database user on a provisioned
     * cluster (GetClusterCredentials).
     */
    static String redshiftCredentials(Scenario s) {
        Map<String, String> p = s.parameters();
        if (!p.getOrDefault("DatabaseSecretArn", "").isEmpty()) {
            return "secretsmanager:GetSecretValue";
        }
        if (!p.getOrDefault("RedshiftWorkgroup", "").isEmpty()) {
            return "redshift-serverless:GetCredentials";
        }
        if (!p.getOrDefault("DatabaseUser", "").isEmpty()) {
            return "redshift:GetClusterCredentials";
        }
        return "redshift:GetClusterCredentialsWithIAM";
    }

    /**
     * Calls the code is being changed to make (issue 7) but does not make yet in this branch,
     * granted ahead: per function, action to why. The role check reads "granted ⊆ needed ∪
     * upcoming"; once the compiled code makes a call, {@code IamTest.upcoming_listsOnlyCallsTheCodeDoesNotMakeYet}
     * fails until its entry is removed here.
     */
    static final Map<String, Map<String, Predicate<Scenario>>> UPCOMING = Map.of();

    static Map<String, Predicate<Scenario>> upcoming(String function, Scenario scenario) {
        Map<String, Predicate<Scenario>> all = UPCOMING.getOrDefault(function, Map.of());
        Map<String, Predicate<Scenario>> out = new java.util.TreeMap<>();
        all.forEach((action, when) -> {
            if (when.test(scenario)) {
                out.put(action, when);
            }
        });
        return out;
    }

    /** Lambda writes the function's logs with the execution role. */
    static final Set<String> LOGGING = Set.of("logs:CreateLogStream", "logs:PutLogEvents");
    /** The SQS event source mapping polls, deletes and extends messages with the function's role. */
    static final Set<String> SQS_EVENT_SOURCE = Set.of("sqs:ReceiveMessage", "sqs:DeleteMessage",
            "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility");
    /** S3 decrypts (reads) and encrypts (writes) an SSE-KMS bucket's objects with the caller's KMS permissions. */
    static final Set<String> SSE_KMS = Set.of("kms:Decrypt", "kms:GenerateDataKey");
    /** Lambda creates and removes the function's network interfaces in a VPC with the function's role. */
    static final Set<String> VPC_ACCESS = Set.of("ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces",
            "ec2:DescribeSubnets", "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses",
            "ec2:UnassignPrivateIpAddresses");
    /** Actions without resource-level permissions: the only ones a statement may grant on "*". */
    static final Set<String> RESOURCE_STAR_ONLY;

    static {
        Set<String> star = new TreeSet<>(VPC_ACCESS);
        star.addAll(Set.of("cloudwatch:PutMetricData", "redshift-data:DescribeStatement",
                "redshift-data:GetStatementResult", "redshift-data:CancelStatement", "redshift-data:ListStatements"));
        RESOURCE_STAR_ONLY = Set.copyOf(star);
    }
}
