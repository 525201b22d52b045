package dev.s3loader.cloudformation;

import static dev.s3loader.cloudformation.CfnTemplate.cast;
import static dev.s3loader.cloudformation.CfnTemplate.list;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * What AWS rejects or misreports on an update or in a valid configuration, although the template
 * is well formed: a version replaced without its function changing, an environment over Lambda's
 * 4 KB, Rules that reject a valid Redshift set-up or let an invalid VPC set-up through, an alarm
 * that pages on creation or cannot see a slow schedule, and limits the user is not told about.
 */
class SecondDeployTest {
    private static final CfnTemplate T = CfnTemplate.main();
    /** Lambda's limit on a function's environment: the variables as one JSON object, at most 4 KB. */
    static final int LAMBDA_ENVIRONMENT_BYTES = 4096;

    /**
     * Lambda's PublishVersion answers "A version for this Lambda function exists" when the function
     * did not change since its last version, and CloudFormation rolls the update back. So every
     * parameter that can replace a version (any property of it) must also change its function.
     */
    @Test
    void versions_whateverReplacesAVersion_alsoUpdatesItsFunction() {
        List<String> problems = new ArrayList<>();
        for (String version : T.resourcesOfType("AWS::Lambda::Version")) {
            Object fn = T.properties(version).get("FunctionName");
            assertThat(CfnTemplate.intrinsic(fn)).as("%s.FunctionName", version).isEqualTo("Ref");
            String function = (String) cast(fn).get("Ref");
            Set<String> versionInputs = Dependencies.parameters(T, T.properties(version));
            Set<String> functionInputs = Dependencies.parameters(T, T.properties(function));
            for (String p : versionInputs) {
                if (!functionInputs.contains(p)) {
                    problems.add(p + " replaces " + version + " but leaves " + function + " unchanged");
                }
            }
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void environment_worstCase_fitsLambdasFourKilobytes_forEveryFunction() {
        // One stack has one destination: the conditions on it decide which variables are set.
        Map<String, Long> sizes = new TreeMap<>();
        for (Object destination : CfnTemplate.list(T.parameter("Destination").get("AllowedValues"))) {
            for (String function : T.resourcesOfType("AWS::Lambda::Function")) {
                Object env = T.properties(function).get("Environment");
                if (env == null) {
                    continue;
                }
                WorstCaseSize size = new WorstCaseSize(T, (String) destination);
                long worst = size.environment(cast(cast(env).get("Variables")));
                sizes.put(function + " (Destination=" + destination + ")", worst);
                System.out.printf("%s, Destination=%s: worst-case environment %d of %d bytes: %s%n", function, destination, worst,
                        LAMBDA_ENVIRONMENT_BYTES, size.breakdown(cast(cast(env).get("Variables"))));
            }
        }
        assertThat(sizes).isNotEmpty();
        assertThat(sizes).allSatisfy((function, size) -> assertThat(size)
                .as("%s: its environment with every parameter at its longest allowed value", function)
                .isLessThanOrEqualTo(LAMBDA_ENVIRONMENT_BYTES));
    }

    @Test
    void worstCaseSize_ofACharacter_followsWhatThePatternAdmits() {
        assertThat(WorstCaseSize.worstCharacter("^[a-z0-9-]{3,64}$")).isEqualTo(1);
        assertThat(WorstCaseSize.worstCharacter("^[ -~]*$")).as("a quote or backslash doubles").isEqualTo(2);
        assertThat(WorstCaseSize.worstCharacter("^jdbc:postgresql:\\S+$")).as("anything but space, beyond ASCII too")
                .isEqualTo(12);
        assertThat(WorstCaseSize.worstCharacter(null)).isEqualTo(12);
        assertThat(WorstCaseSize.json("a\"\u0001\u00e9")).isEqualTo(1 + 2 + 6 + 2);
    }

    @Test
    void rules_redshiftCluster_withTheLoadersIamIdentity_isAccepted() {
        Scenario iam = Scenario.of("cluster, IAM identity", "Destination", "redshift", "RedshiftClusterId", "warehouse",
                "RedshiftCopyRoleArn", Scenario.COPY_ROLE, "TargetTable", "orders");

        assertThat(iam.evaluate(T).brokenRules()).isEmpty();
        assertThat(Scenario.all()).as("the scenarios the IAM and environment checks run").anyMatch(s -> s.parameters()
                .get("RedshiftClusterId") != null && !s.parameters().containsKey("DatabaseUser")
                && !s.parameters().containsKey("DatabaseSecretArn"));
    }

    @Test
    void rules_vpcSubnetsWithoutSecurityGroups_areRejectedUpFront() {
        Scenario noGroups = Scenario.of("vpc", "LoaderSubnetIds", "subnet-0a1b2c3d");

        assertThat(noGroups.evaluate(T).brokenRules()).anyMatch(r -> r.contains("LoaderSecurityGroupIds"));
        assertThat(noGroups.with("LoaderSecurityGroupIds", "sg-1").evaluate(T).brokenRules()).isEmpty();
        assertThat(Scenario.of("no vpc").evaluate(T).brokenRules()).isEmpty();
    }

    /**
     * A new alarm starts without data; an alarm that treats missing data as breaching pages on
     * creation. Each evaluated period must also hold at least two scheduled runs, whatever the
     * schedule, so that one dropped tick is no outage.
     */
    @Test
    void listerNotReportingAlarm_neverPagesOnCreation_andSpansTwoRunsOfEverySchedule() {
        Map<String, Object> schedule = T.parameter("ListerSchedule");
        assertThat(schedule.get("AllowedValues")).as("ListerSchedule must be a closed list for the alarm to follow it")
                .isNotNull();
        for (Object value : list(schedule.get("AllowedValues"))) {
            String expression = CfnEvaluator.scalar(value);
            CfnEvaluator ev = Scenario.of("s", "ListerSchedule", expression).evaluate(T);
            Map<String, Object> alarm = ev.properties("ListerNotReportingAlarm");
            int period = Integer.parseInt(CfnEvaluator.scalar(alarm.get("Period")));
            int evaluations = Integer.parseInt(CfnEvaluator.scalar(alarm.get("EvaluationPeriods")));

            assertThat(alarm.get("TreatMissingData")).as(expression).isNotEqualTo("breaching");
            assertThat(period).as("%s: period", expression).isGreaterThanOrEqualTo(2 * rateSeconds(expression));
            assertThat(period % 60).as("%s: CloudWatch periods above a minute are multiples of 60", expression).isZero();
            assertThat(period * evaluations).as("%s: CloudWatch evaluates at most one day", expression)
                    .isLessThanOrEqualTo(86_400);
            assertThat(alarm.get("InsufficientDataActions")).as("%s: no data at all is the lister not reporting",
                    expression).isEqualTo(List.of(ev.ref("AlarmTopic", "test")));
        }
    }

    @Test
    void limits_batchPayloadAndSnapStartRegions_areNamedInTheParametersAndTheReadme() throws Exception {
        String readme = Files.readString(Repo.path("docs", "deploy.md"));
        String batchSize = (String) T.parameter("BatchSize").get("Description");
        String snapStart = (String) T.parameter("ListerSnapStart").get("Description");

        assertThat(batchSize).contains("6 MB");
        assertThat(snapStart).contains("SnapStart").contains("region");
        assertThat(readme).contains("6 MB").contains("ListerSnapStart=false");
        assertThat(T.properties("ListerFunction").get("SnapStart")).as("SnapStart follows ListerSnapStart")
                .isInstanceOf(Map.class).matches(m -> "Fn::If".equals(CfnTemplate.intrinsic(m)));
    }

    static int rateSeconds(String expression) {
        var m = java.util.regex.Pattern.compile("rate\\((\\d+) (minute|minutes|hour|hours)\\)").matcher(expression);
        assertThat(m.matches()).as("a rate expression: %s", expression).isTrue();
        int n = Integer.parseInt(m.group(1));
        return m.group(2).startsWith("hour") ? n * 3600 : n * 60;
    }

    /** The parameters a part of the template depends on, through Ref, Sub, conditions and mappings. */
    static final class Dependencies {
        static Set<String> parameters(CfnTemplate t, Object node) {
            Set<String> out = new TreeSet<>();
            collect(t, node, out, new TreeSet<>());
            return out;
        }

        private static void collect(CfnTemplate t, Object node, Set<String> out, Set<String> seenConditions) {
            TemplateTest.walk(node, "", (where, n) -> {
                String fn = CfnTemplate.intrinsic(n);
                if (fn == null) {
                    return;
                }
                Object arg = cast(n).get(fn);
                switch (fn) {
                    case "Ref" -> {
                        if (t.parameters().containsKey(arg)) {
                            out.add((String) arg);
                        }
                    }
                    case "Fn::Sub" -> {
                        String text = arg instanceof List<?> l ? (String) l.get(0) : (String) arg;
                        CfnEvaluator.subVariables(text).stream().filter(t.parameters()::containsKey).forEach(out::add);
                    }
                    case "Fn::If" -> condition(t, (String) list(arg).get(0), out, seenConditions);
                    case "Condition" -> condition(t, (String) arg, out, seenConditions);
                    default -> {
                    }
                }
            });
        }

        private static void condition(CfnTemplate t, String name, Set<String> out, Set<String> seen) {
            if (seen.add(name)) {
                collect(t, t.conditions().get(name), out, seen);
            }
        }
    }
}
