package dev.s3loader.cloudformation;

import static dev.s3loader.cloudformation.CfnTemplate.cast;
import static dev.s3loader.cloudformation.CfnTemplate.list;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Settings that lose data or contradict each other: no default deletes data, the redrive leaves
 * transient failures enough receives, and the template's Rules reject combinations the pipeline
 * cannot run correctly with, before anything is created.
 */
class SafeSettingsTest {
    private static final CfnTemplate T = CfnTemplate.main();

    static List<Scenario> scenarios() {
        return Scenario.all();
    }

    /**
     * Invariant 8. With the defaults the copy is the move: processed/ holds the only copy of every
     * file. A lifecycle rule may only expire s3loader's own scratch objects (manifests, staging
     * copies), never a prefix where a file or its failure report lives.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void defaults_noLifecycleRuleExpiresTheOnlyCopyOfAFile(Scenario scenario) {
        if (scenario.parameters().containsKey("ProcessedRetentionDays")) {
            return;
        }
        CfnEvaluator ev = scenario.evaluate(T);
        if (!ev.exists("Bucket")) {
            return;
        }
        String internal = ev.parameters.get("InternalPrefix");
        List<String> scratch = List.of(internal + "manifests/", internal + "staging/");
        List<String> problems = new ArrayList<>();

        for (Object r : list(cast(ev.properties("Bucket").get("LifecycleConfiguration")).get("Rules"))) {
            Map<String, Object> rule = cast(r);
            boolean deletes = rule.keySet().stream().anyMatch(k -> k.startsWith("Expiration") || k.startsWith("NoncurrentVersionExpiration"));
            if ("Enabled".equals(rule.get("Status")) && deletes) {
                String prefix = (String) rule.getOrDefault("Prefix", "");
                if (scratch.stream().noneMatch(prefix::startsWith)) {
                    problems.add(rule.get("Id") + " expires objects under '" + prefix + "'");
                }
            }
        }
        assertThat(problems).as("[%s] lifecycle rules that delete data by default", scenario).isEmpty();
    }

    @Test
    void retention_isOptIn_andExpiresProcessedOnlyWhenAsked() {
        CfnEvaluator keep = Scenario.of("defaults").evaluate(T);
        CfnEvaluator expire = Scenario.of("opt-in", "ProcessedRetentionDays", "30").evaluate(T);

        assertThat(CfnEvaluator.scalar(T.parameter("ProcessedRetentionDays").get("Default"))).isEqualTo("0");
        assertThat(keep.properties("Bucket").toString()).contains("Id=expire-processed, Status=Disabled");
        assertThat(expire.properties("Bucket").toString()).contains("Id=expire-processed, Status=Enabled");
    }

    /** AWS advises a maxReceiveCount of at least 5 for an SQS queue that triggers a Lambda function. */
    @Test
    void redrive_maxReceiveCount_isAtLeastFive_byDefaultAndByRule() {
        assertThat(Integer.parseInt(CfnEvaluator.scalar(T.parameter("MaxReceiveCount").get("Default")))).isGreaterThanOrEqualTo(5);
        for (String low : List.of("1", "2", "4")) {
            assertThat(Scenario.of("r", "MaxReceiveCount", low).evaluate(T).brokenRules()).as("MaxReceiveCount=%s", low)
                    .anyMatch(r -> r.contains("MaxReceiveCount"));
        }
        assertThat(Scenario.of("r", "MaxReceiveCount", "5").evaluate(T).brokenRules()).isEmpty();
        assertThat(Scenario.of("r", "MaxReceiveCount", "50").evaluate(T).brokenRules()).isEmpty();
    }

    /**
     * A message being loaded stays invisible for the queue's visibility timeout; a requeue time at
     * or below it re-dispatches files whose loads are still running.
     */
    @Test
    void rules_requeueTime_mustExceedTheVisibilityTimeoutAndTheLoaderTimeout_forEveryLoaderTimeout() {
        for (Object t : list(T.parameter("LoaderTimeoutSeconds").get("AllowedValues"))) {
            String timeout = CfnEvaluator.scalar(t);
            CfnEvaluator base = Scenario.of("t", "LoaderTimeoutSeconds", timeout).evaluate(T);
            int visibility = Integer.parseInt(CfnEvaluator.scalar(base.properties("LoadQueue").get("VisibilityTimeout")));
            int loader = Integer.parseInt(timeout);
            int firstValid = Math.max(visibility, loader) / 60 + 1;

            for (int minutes : List.of(1, firstValid - 1, firstValid, firstValid + 60)) {
                boolean valid = minutes * 60 > visibility && minutes * 60 > loader;
                List<String> broken = Scenario.of("t", "LoaderTimeoutSeconds", timeout,
                        "RequeueAfterMinutes", String.valueOf(minutes)).evaluate(T).brokenRules();
                assertThat(broken.stream().anyMatch(r -> r.contains("RequeueAfterMinutes")))
                        .as("LoaderTimeoutSeconds=%s (visibility %d s), RequeueAfterMinutes=%d: rejected", timeout, visibility, minutes)
                        .isEqualTo(!valid);
            }
        }
    }

    @Test
    void rules_aDestinationPrefixThatIsTheIncomingPrefixOfTheSameBucket_isRejected() {
        assertThat(Scenario.of("d", "DestinationPrefix", "incoming/").evaluate(T).brokenRules())
                .anyMatch(r -> r.contains("DestinationPrefix"));
        assertThat(Scenario.of("d", "ExistingBucketName", "drops", "DestinationBucketName", "drops",
                "DestinationPrefix", "incoming/").evaluate(T).brokenRules()).anyMatch(r -> r.contains("DestinationPrefix"));
        assertThat(Scenario.of("d", "ProcessedPrefix", "incoming/").evaluate(T).brokenRules())
                .anyMatch(r -> r.contains("ProcessedPrefix"));
        assertThat(Scenario.of("d", "FailedPrefix", "incoming/").evaluate(T).brokenRules())
                .anyMatch(r -> r.contains("FailedPrefix"));
        assertThat(Scenario.of("d", "InternalPrefix", "incoming/").evaluate(T).brokenRules())
                .anyMatch(r -> r.contains("InternalPrefix"));
        // The same prefix in another bucket is a different place.
        assertThat(Scenario.of("d", "DestinationBucketName", "archive", "DestinationPrefix", "incoming/").evaluate(T)
                .brokenRules()).isEmpty();
        // The refined zone too: Parquet objects in incoming/ would be dispatched as input.
        assertThat(Scenario.of("d", "Destination", "parquet", "RefinedColumns", "id:long", "DestinationPrefix", "incoming/")
                .evaluate(T).brokenRules()).anyMatch(r -> r.contains("DestinationPrefix"));
    }

    @Test
    void rules_aParquetDestinationWithoutColumns_isRejected() {
        assertThat(Scenario.of("p", "Destination", "parquet").evaluate(T).brokenRules())
                .containsExactly("ParquetNeedsColumns: Destination parquet needs RefinedColumns (the Parquet columns as name:type,...).");
        assertThat(Scenario.of("p", "Destination", "parquet", "RefinedColumns", "id:long").evaluate(T).brokenRules()).isEmpty();
    }
}
