package dev.s3loader.cloudformation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.s3loader.model.ConfigException;
import dev.s3loader.model.Env;
import dev.s3loader.model.Layout;
import dev.s3loader.model.LoaderConfig;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * ProcessedKeyTemplate and ProcessedKeyTime, offline: the stack passes them to the functions that
 * read them, its AllowedPattern lets through no template the loader would refuse for a character,
 * and a Rule refuses a load time where no ledger keeps it before anything is created.
 */
class ProcessedKeyTemplateParameterTest {
    private static final CfnTemplate T = CfnTemplate.main();

    private static Map<String, String> environment(CfnEvaluator ev, String function) {
        Map<String, String> env = new HashMap<>();
        CfnTemplate.cast(CfnTemplate.cast(ev.properties(function).get("Environment")).get("Variables"))
                .forEach((k, v) -> env.put(k, CfnEvaluator.scalar(v)));
        return env;
    }

    @Test
    void template_defaults_keepTodaysProcessedKeys() {
        CfnEvaluator ev = Scenario.of("defaults").evaluate(T);

        Map<String, String> loader = environment(ev, "LoaderFunction");

        assertThat(loader).containsEntry("PROCESSED_KEY_TEMPLATE", "").containsEntry("PROCESSED_KEY_TIME", "last-modified");
        assertThat(environment(ev, "ListerFunction")).containsEntry("PROCESSED_KEY_TEMPLATE", "");
        assertThat(LoaderConfig.fromEnv(loader).layout().partitioned()).isFalse();
    }

    @Test
    void template_hiveStyleByLoadTimeWithPostgres_reachesTheLoaderAsGiven() {
        CfnEvaluator ev = Scenario.of("postgres partitioned", "Destination", "postgres", "DatabaseSecretArn", Scenario.SECRET,
                "TargetTable", "orders", "ProcessedKeyTemplate", "year={yyyy}/month={MM}/day={dd}/{key}",
                "ProcessedKeyTime", "load").evaluate(T);

        assertThat(ev.brokenRules()).isEmpty();
        Map<String, String> loader = environment(ev, "LoaderFunction");
        assertThat(loader).containsEntry("PROCESSED_KEY_TEMPLATE", "year={yyyy}/month={MM}/day={dd}/{key}")
                .containsEntry("PROCESSED_KEY_TIME", "load");
        Layout layout = Layout.fromEnv(new Env(loader));
        assertThat(layout.processedKey("incoming/a b.csv", java.time.Instant.parse("2026-11-30T23:00:00Z")))
                .contains("processed/year=2026/month=11/day=30/a b.csv");
    }

    @Test
    void rules_loadTimeWithoutALedgerDestination_isRejectedBeforeAnythingIsCreated() {
        assertThat(Scenario.of("copy by load time", "ProcessedKeyTemplate", "{yyyy}/{key}", "ProcessedKeyTime", "load")
                .evaluate(T).brokenRules()).anyMatch(r -> r.contains("ProcessedKeyTime load needs Destination postgres"));
        assertThat(Scenario.of("redshift by load time", "Destination", "redshift", "RedshiftClusterId", "warehouse",
                "RedshiftCopyRoleArn", Scenario.COPY_ROLE, "TargetTable", "orders", "ProcessedKeyTime", "load")
                .evaluate(T).brokenRules()).anyMatch(r -> r.contains("ProcessedKeyTime load"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{yyyy}/{MM}/{dd}/{key}", "year={yyyy}/month={MM}/day={dd}/{key}", "{key}",
            "raw/v1/year={yyyy}/month={MM}/day={dd}/hour={HH}/{key}",
            "dt={yyyy}-{MM}-{dd}/hour={HH}/{key}", "raw.v1/{yyyy}/{key}"})
    void allowedPattern_templatesTheLoaderAccepts_deploy(String template) {
        Pattern allowed = Pattern.compile((String) T.parameter("ProcessedKeyTemplate").get("AllowedPattern"));

        assertThat(allowed.matcher(template).matches()).isTrue();
        // The length is bounded (56) to keep the loader's worst-case environment under Lambda's 4 KB.
        assertThat(Scenario.of("t", "ProcessedKeyTemplate", template).evaluate(T).brokenRules()).isEmpty();
        assertThat(Layout.fromEnv(new Env(Map.of("PROCESSED_KEY_TEMPLATE", template))).processedTemplate().text())
                .isEqualTo(template);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{yyyy}/{MM}/{dd}", "/{key}x", "{yyyy} {key}", "{yyyy}/{key}/", "ü/{key}", "a*b/{key}",
            "{yyyy}\\{key}"})
    void allowedPattern_templatesWithBadCharactersOrNoKeyAtTheEnd_doNotDeploy(String template) {
        Pattern allowed = Pattern.compile((String) T.parameter("ProcessedKeyTemplate").get("AllowedPattern"));

        assertThat(allowed.matcher(template).matches()).isFalse();
        assertThatThrownBy(() -> Layout.fromEnv(new Env(Map.of("PROCESSED_KEY_TEMPLATE", template))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("PROCESSED_KEY_TEMPLATE");
    }
}
