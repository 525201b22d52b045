package dev.s3loader.cloudformation;

import static dev.s3loader.cloudformation.CfnTemplate.cast;
import static dev.s3loader.cloudformation.CfnTemplate.list;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each function's role grants exactly the IAM actions its code needs: the SDK operations found in
 * the compiled code (mapped to actions by {@link IamActions}), plus what Lambda does with the
 * role on the function's behalf (logs, the SQS event source mapping, VPC network interfaces) —
 * no more, no less, for every deployment scenario — and only on the function's own ARNs and prefixes.
 */
class IamTest {
    private static final CfnTemplate T = CfnTemplate.main();

    static List<Scenario> scenarios() {
        return Scenario.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void roles_grantExactlyTheActionsTheCodeCalls(Scenario scenario) {
        CfnEvaluator ev = scenario.evaluate(T);
        for (String function : T.resourcesOfType("AWS::Lambda::Function")) {
            // Arrange
            Map<String, Object> props = ev.properties(function);
            var code = FunctionCode.scan((String) props.get("Handler"));
            Map<String, Set<String>> because = new TreeMap<>();

            // Act
            for (var call : code.calls()) {
                for (String action : IamActions.actionsFor(call, scenario)) {
                    because.computeIfAbsent(action, a -> new TreeSet<>()).add(call.key() + " in " + call.caller());
                }
            }
            IamActions.LOGGING.forEach(a -> because.computeIfAbsent(a, x -> new TreeSet<>()).add("Lambda logging"));
            if (hasSqsEventSource(ev, function)) {
                IamActions.SQS_EVENT_SOURCE.forEach(a -> because.computeIfAbsent(a, x -> new TreeSet<>()).add("SQS event source mapping"));
            }
            if (props.get("VpcConfig") != null) {
                IamActions.VPC_ACCESS.forEach(a -> because.computeIfAbsent(a, x -> new TreeSet<>()).add("VpcConfig"));
            }
            if (!scenario.parameters().getOrDefault("ExistingBucketKmsKeyArn", "").isEmpty()) {
                IamActions.SSE_KMS.forEach(a -> because.computeIfAbsent(a, x -> new TreeSet<>()).add("SSE-KMS bucket"));
            }
            Set<String> granted = new TreeSet<>();
            statements(ev, roleOf(function)).forEach(s -> granted.addAll(strings(s.get("Action"))));

            // Assert
            Set<String> missing = new TreeSet<>(because.keySet());
            missing.removeAll(granted);
            // granted ⊆ needed ∪ upcoming: calls the code is being changed to make, granted ahead.
            Set<String> extra = new TreeSet<>(granted);
            extra.removeAll(because.keySet());
            extra.removeAll(IamActions.upcoming(function, scenario).keySet());
            Map<String, Set<String>> missingWhy = new TreeMap<>(because);
            missingWhy.keySet().retainAll(missing);
            assertThat(missingWhy).as("%s [%s]: actions the code needs that %s does not grant", function, scenario,
                    roleOf(function)).isEmpty();
            assertThat(extra).as("%s [%s]: actions %s grants that no call of the code needs (calls found: %s)",
                    function, scenario, roleOf(function), code.calls().stream().map(c -> c.key()).distinct().toList())
                    .isEmpty();
        }
    }

    @Test
    void code_everySdkCallOfEveryFunction_isInTheActionTable() {
        for (String function : T.resourcesOfType("AWS::Lambda::Function")) {
            String handler = (String) T.properties(function).get("Handler");
            var code = FunctionCode.scan(handler);
            System.out.printf("%s (%s) calls: %s%n", function, handler,
                    code.calls().stream().map(c -> c.key()).distinct().toList());

            assertThat(code.calls()).as("%s: SDK calls found in the code", function).isNotEmpty();
            // Throws, naming the call, for an operation the table does not know.
            code.calls().forEach(c -> Scenario.all().forEach(s -> IamActions.actionsFor(c, s)));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void roles_grantOnlyOnTheFunctionsOwnArnsAndPrefixes(Scenario scenario) {
        CfnEvaluator ev = scenario.evaluate(T);
        String queueArn = (String) ev.getAtt("LoadQueue", "Arn", "test");
        String deadLetterArn = (String) ev.getAtt("DeadLetterQueue", "Arn", "test");
        String eventQueueArn = ev.exists("EventQueue") ? (String) ev.getAtt("EventQueue", "Arn", "test") : queueArn;
        for (String function : T.resourcesOfType("AWS::Lambda::Function")) {
            Map<String, Object> props = ev.properties(function);
            Map<String, String> env = EnvironmentTest.environment(props);
            Set<String> buckets = new HashSet<>();
            buckets.add(env.get("BUCKET"));
            if (env.containsKey("DESTINATION_BUCKET")) {
                buckets.add(env.get("DESTINATION_BUCKET"));
            }
            List<String> prefixes = new ArrayList<>();
            for (String p : List.of("INCOMING_PREFIX", "PROCESSED_PREFIX", "FAILED_PREFIX", "INTERNAL_PREFIX", "DESTINATION_PREFIX")) {
                if (env.get(p) != null && !env.get(p).isEmpty()) {
                    prefixes.add(env.get(p));
                }
            }
            String logGroupArn = (String) ev.getAtt(logGroupOf(function), "Arn", "test");
            List<String> problems = new ArrayList<>();

            for (Map<String, Object> s : statements(ev, roleOf(function))) {
                List<String> actions = strings(s.get("Action"));
                List<String> resources = strings(s.get("Resource"));
                String sid = function + " " + s.get("Sid");
                if (s.containsKey("NotAction") || s.containsKey("NotResource")) {
                    problems.add(sid + ": NotAction/NotResource");
                }
                actions.stream().filter(a -> a.contains("*")).forEach(a -> problems.add(sid + ": wildcard action " + a));
                if (resources.contains("*")) {
                    actions.stream().filter(a -> !IamActions.RESOURCE_STAR_ONLY.contains(a))
                            .forEach(a -> problems.add(sid + ": " + a + " on \"*\", though it supports resource-level permissions"));
                }
                if (actions.contains("cloudwatch:PutMetricData")) {
                    Object ns = s.get("Condition") == null ? null
                            : cast(cast(s.get("Condition")).getOrDefault("StringEquals", Map.of())).get("cloudwatch:namespace");
                    if (!env.get("METRICS_NAMESPACE").equals(ns)) {
                        problems.add(sid + ": PutMetricData not limited to namespace " + env.get("METRICS_NAMESPACE") + " (got " + ns + ")");
                    }
                }
                for (String r : resources) {
                    if (r.startsWith("arn:aws:s3:::")) {
                        String path = r.substring("arn:aws:s3:::".length());
                        int slash = path.indexOf('/');
                        String bucket = slash < 0 ? path : path.substring(0, slash);
                        if (!buckets.contains(bucket)) {
                            problems.add(sid + ": S3 resource " + r + " outside the function's buckets " + buckets);
                        }
                        if (slash >= 0 && prefixes.stream().noneMatch(p -> path.substring(slash + 1).startsWith(p))) {
                            problems.add(sid + ": S3 objects " + r + " outside the function's prefixes " + prefixes);
                        }
                        if (actions.stream().anyMatch(a -> a.equals("s3:ListBucket")) != (slash < 0)) {
                            problems.add(sid + ": bucket-level and object-level S3 actions/resources mixed: " + actions + " on " + r);
                        }
                    } else if (r.startsWith("arn:aws:sqs:") && !r.equals(queueArn) && !r.equals(deadLetterArn)
                            && !r.equals(eventQueueArn)) {
                        problems.add(sid + ": SQS resource " + r + " is neither the load queue, the event queue nor the dead-letter queue");
                    } else if (r.startsWith("arn:aws:logs:") && !r.equals(logGroupArn)) {
                        problems.add(sid + ": log resource " + r + " is not the function's log group " + logGroupArn);
                    }
                }
            }
            assertThat(problems).as("[%s]", scenario).isEmpty();
        }
    }

    /** Issue 7 defect 11: no wildcard in a Redshift (or any non-S3) resource ARN. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void roles_nameExactArns_noWildcardOutsideS3ObjectPrefixesAndLogStreams(Scenario scenario) {
        CfnEvaluator ev = scenario.evaluate(T);
        List<String> problems = new ArrayList<>();
        for (String function : T.resourcesOfType("AWS::Lambda::Function")) {
            for (Map<String, Object> s : statements(ev, roleOf(function))) {
                for (String r : strings(s.get("Resource"))) {
                    boolean objects = r.startsWith("arn:aws:s3:::") && r.endsWith("/*") && r.indexOf('*') == r.length() - 1;
                    boolean logStreams = r.startsWith("arn:aws:logs:") && r.endsWith(":*") && r.indexOf('*') == r.length() - 1;
                    if (!r.equals("*") && r.contains("*") && !objects && !logStreams) {
                        problems.add(function + " " + s.get("Sid") + ": wildcard in " + r);
                    }
                }
            }
        }
        assertThat(problems).as("[%s]", scenario).isEmpty();
    }

    /**
     * s3:ListBucket stays on the bucket ARN with no s3:prefix condition, on purpose: see below and
     * the template's comments (issue 7 defect 11 asked for prefixes; S3's 404/403 rule forbids it).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void roles_listBucket_onTheBucketAloneAndUnconditioned(Scenario scenario) {
        // S3 answers 404 for a missing key only to a caller allowed to list the bucket, judged with no
        // s3:prefix in the request: a prefix condition would turn the loader's "already moved" 404s and
        // the lister's first-run 404 into 403s. So the grant is the bucket ARN, with no condition.
        CfnEvaluator ev = scenario.evaluate(T);
        for (String function : T.resourcesOfType("AWS::Lambda::Function")) {
            int grants = 0;
            for (Map<String, Object> s : statements(ev, roleOf(function))) {
                if (!strings(s.get("Action")).contains("s3:ListBucket")) {
                    continue;
                }
                grants++;
                assertThat(s.get("Condition")).as("[%s] %s %s: condition on s3:ListBucket", scenario, function,
                        s.get("Sid")).isNull();
                assertThat(strings(s.get("Action"))).as("%s %s", function, s.get("Sid")).containsExactly("s3:ListBucket");
            }
            assertThat(grants).as("[%s] %s: s3:ListBucket statements", scenario, function).isEqualTo(1);
        }
    }


    /**
     * Calls whose resources the action-level check cannot tell apart: each is granted on exactly
     * the resource the code uses it on.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void roles_grantEachCallOnTheResourceTheCodeUsesItOn(Scenario scenario) {
        CfnEvaluator ev = scenario.evaluate(T);
        Map<String, String> env = EnvironmentTest.environment(ev.properties("LoaderFunction"));
        String objects = "arn:aws:s3:::" + env.get("BUCKET") + "/";
        String internal = env.get("INTERNAL_PREFIX");

        // The lister tells a lost message from a waiting one by the queue's counts; it never reads the dead-letter queue.
        assertThat(grants(ev, "ListerFunction", "sqs:GetQueueAttributes", (String) ev.getAtt("LoadQueue", "Arn", "t")))
                .as("lister sqs:GetQueueAttributes on the queue").isTrue();
        assertThat(grants(ev, "ListerFunction", "sqs:GetQueueAttributes", (String) ev.getAtt("DeadLetterQueue", "Arn", "t")))
                .as("lister sqs:GetQueueAttributes on the dead-letter queue").isFalse();
        // With the event fast path, S3's events have their own queue: the loader's mappings read it, the lister never counts it.
        if (ev.exists("EventQueue")) {
            String events = (String) ev.getAtt("EventQueue", "Arn", "t");
            for (String action : List.of("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
                    "sqs:ChangeMessageVisibility")) {
                assertThat(grants(ev, "LoaderFunction", action, events)).as("loader " + action + " on the event queue").isTrue();
            }
            assertThat(grants(ev, "ListerFunction", "sqs:GetQueueAttributes", events))
                    .as("lister sqs:GetQueueAttributes on the event queue").isFalse();
        }
        // The lister records its last run for s3loader status: a write on that one key, no read, nothing wider.
        String lastRun = objects + internal + "lister/last-run.json";
        assertThat(grants(ev, "ListerFunction", "s3:PutObject", lastRun)).as("lister s3:PutObject on " + lastRun).isTrue();
        assertThat(grants(ev, "ListerFunction", "s3:GetObject", lastRun)).as("lister s3:GetObject on " + lastRun).isFalse();
        assertThat(grants(ev, "ListerFunction", "s3:PutObject", objects + internal + "lister/*")).isFalse();
        // Error reports live under the internal prefix, not beside the failed file.
        assertThat(grants(ev, "LoaderFunction", "s3:PutObject", objects + internal + "reports/*")).isTrue();
        // The refined zone (parquet): one PutObject per file version on its prefix (grants compares resources
        // as written, so the prefix's wildcard ARN); nothing deleted or tagged there, and no other deployment writes it.
        String refined = "arn:aws:s3:::" + env.get("DESTINATION_BUCKET") + "/" + env.get("DESTINATION_PREFIX");
        boolean parquet = scenario.destination().equals("parquet");
        assertThat(grants(ev, "LoaderFunction", "s3:PutObject", objects + "refined/*"))
                .as("loader s3:PutObject on the pipeline bucket's refined/")
                .isEqualTo(parquet && refined.equals(objects + "refined/"));
        if (parquet) {
            assertThat(grants(ev, "LoaderFunction", "s3:PutObject", refined + "*"))
                    .as("loader s3:PutObject on " + refined).isTrue();
            assertThat(env.get("DESTINATION_PREFIX")).isEqualTo(scenario.parameters().getOrDefault("DestinationPrefix", "refined/"));
            for (String action : List.of("s3:DeleteObject", "s3:PutObjectTagging", "s3:AbortMultipartUpload")) {
                assertThat(grants(ev, "LoaderFunction", action, refined + "*")).as(action + " on " + refined).isFalse();
            }
        }
        // Redshift COPY reads an immutable staging copy (CopyObject with CopySourceIfMatch), deleted after the commit.
        for (String action : List.of("s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload")) {
            assertThat(grants(ev, "LoaderFunction", action, objects + internal + "staging/*")).as(action)
                    .isEqualTo(scenario.destination().equals("redshift"));
        }
    }

    @Test
    void upcoming_listsOnlyCallsTheCodeDoesNotMakeYet() {
        for (String function : T.resourcesOfType("AWS::Lambda::Function")) {
            var code = FunctionCode.scan((String) T.properties(function).get("Handler"));
            for (Scenario scenario : Scenario.all()) {
                Set<String> needed = new TreeSet<>();
                code.calls().forEach(c -> needed.addAll(IamActions.actionsFor(c, scenario)));
                assertThat(IamActions.upcoming(function, scenario).keySet())
                        .as("%s [%s]: the code now makes these calls; remove them from IamActions.UPCOMING", function, scenario)
                        .doesNotContainAnyElementsOf(needed);
            }
        }
    }

    static boolean grants(CfnEvaluator ev, String function, String action, String resource) {
        return statements(ev, roleOf(function)).stream()
                .anyMatch(s -> strings(s.get("Action")).contains(action) && strings(s.get("Resource")).contains(resource));
    }

    @Test
    void roles_onePerFunction_assumableByLambdaOnly_withoutManagedPolicies() {
        Set<String> roles = new HashSet<>();
        for (String function : T.resourcesOfType("AWS::Lambda::Function")) {
            String role = roleOf(function);
            Map<String, Object> props = T.properties(role);

            assertThat(roles.add(role)).as("%s shares its role %s", function, role).isTrue();
            assertThat(props).as(role).doesNotContainKeys("ManagedPolicyArns", "PermissionsBoundary");
            assertThat(props.get("AssumeRolePolicyDocument").toString())
                    .contains("Service=lambda.amazonaws.com").contains("sts:AssumeRole");
        }
        assertThat(T.resourcesOfType("AWS::IAM::Policy")).as("policies outside the roles").isEmpty();
        assertThat(T.resourcesOfType("AWS::IAM::ManagedPolicy")).as("managed policies").isEmpty();
    }

    @Test
    void actionsFor_operationMissingFromTheTable_failsNamingItAndTheCaller() {
        var call = new SdkCallScanner.SdkCall("s3", "putBucketPolicy", "dev.s3loader.x.Y#z");

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> IamActions.actionsFor(call, Scenario.of("x")))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("s3:PutBucketPolicy").hasMessageContaining("dev.s3loader.x.Y#z")
                .hasMessageContaining("IamActions.java");
    }

    @Test
    void actionsFor_redshiftStatements_needTheCredentialsOfTheDeployment() {
        var call = new SdkCallScanner.SdkCall("redshiftdata", "batchExecuteStatement", "x");
        Scenario wg = Scenario.of("wg", "Destination", "redshift", "RedshiftWorkgroup", "analytics");

        assertThat(IamActions.actionsFor(call, wg))
                .containsExactlyInAnyOrder("redshift-data:BatchExecuteStatement", "redshift-serverless:GetCredentials");
        assertThat(IamActions.actionsFor(call, wg.with("DatabaseSecretArn", Scenario.SECRET)))
                .contains("secretsmanager:GetSecretValue");
        assertThat(IamActions.actionsFor(call, Scenario.of("copy"))).isEmpty();
    }

    static String roleOf(String function) {
        Object role = T.properties(function).get("Role");
        if (!"Fn::GetAtt".equals(CfnTemplate.intrinsic(role))) {
            throw new AssertionError(function + ".Role must be !GetAtt <its role>.Arn");
        }
        return (String) list(cast(role).get("Fn::GetAtt")).get(0);
    }

    static String logGroupOf(String function) {
        Object logging = T.properties(function).get("LoggingConfig");
        Object group = logging == null ? null : cast(logging).get("LogGroup");
        if (!"Ref".equals(CfnTemplate.intrinsic(group))) {
            throw new AssertionError(function + ".LoggingConfig.LogGroup must be a Ref to its log group");
        }
        return (String) cast(group).get("Ref");
    }

    static boolean hasSqsEventSource(CfnEvaluator ev, String function) {
        String arn = (String) ev.getAtt(function, "Arn", "test");
        String name = (String) ev.ref(function, "test");
        for (String esm : T.resourcesOfType("AWS::Lambda::EventSourceMapping")) {
            if (!ev.exists(esm)) {
                continue;
            }
            Map<String, Object> p = ev.properties(esm);
            Object target = p.get("FunctionName");
            if ((arn.equals(target) || name.equals(target)) && String.valueOf(p.get("EventSourceArn")).startsWith("arn:aws:sqs:")) {
                return true;
            }
        }
        return false;
    }

    /** The Allow statements of the role's inline policies, evaluated. */
    static List<Map<String, Object>> statements(CfnEvaluator ev, String role) {
        List<Map<String, Object>> out = new ArrayList<>();
        Object policies = ev.properties(role).get("Policies");
        for (Object p : policies == null ? List.of() : list(policies)) {
            for (Object s : list(cast(cast(p).get("PolicyDocument")).get("Statement"))) {
                Map<String, Object> statement = cast(s);
                if ("Allow".equals(statement.get("Effect"))) {
                    out.add(statement);
                }
            }
        }
        return out;
    }

    static List<String> strings(Object o) {
        if (o == null) {
            return List.of();
        }
        return o instanceof List<?> l ? l.stream().map(CfnEvaluator::scalar).toList() : List.of(CfnEvaluator.scalar(o));
    }
}
