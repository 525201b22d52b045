package dev.s3loader.cloudformation;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** docs/deploy.md documents every parameter, docs/operations.md tells what to do for every alarm. */
class ReadmeTest {
    private static final CfnTemplate T = CfnTemplate.main();

    @Test
    void readme_documentsEveryParameterAndEveryAlarm() throws Exception {
        String deploy = Files.readString(Repo.path("docs", "deploy.md"));
        String operations = Files.readString(Repo.path("docs", "operations.md"));

        assertThat(T.parameters().keySet()).allSatisfy(p -> assertThat(deploy).contains("| `" + p + "` |"));
        assertThat(T.resourcesOfType("AWS::CloudWatch::Alarm")).allSatisfy(a -> assertThat(operations).contains("| `" + a + "` |"));
    }

    /** "What the stack creates" (docs/deploy.md) names every lifecycle rule of the bucket the stack creates, by its prefix. */
    @Test
    void readme_bucketRow_namesEveryLifecycleRulesPrefix() throws Exception {
        String row = Files.readAllLines(Repo.path("docs", "deploy.md")).stream().filter(l -> l.startsWith("| `Bucket`")).findFirst().orElseThrow();
        CfnEvaluator ev = Scenario.of("defaults").evaluate(T);
        Map<String, Object> lifecycle = CfnTemplate.cast(ev.properties("Bucket").get("LifecycleConfiguration"));

        for (Object rule : CfnTemplate.list(lifecycle.get("Rules"))) {
            Object prefix = CfnTemplate.cast(rule).get("Prefix");
            if (prefix != null) {
                assertThat(row).as("rule %s", CfnTemplate.cast(rule).get("Id")).contains("`" + prefix + "`");
            }
        }
    }
}
