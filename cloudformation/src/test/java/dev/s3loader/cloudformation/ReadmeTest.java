package dev.s3loader.cloudformation;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The README documents every parameter and tells what to do for every alarm. */
class ReadmeTest {
    private static final CfnTemplate T = CfnTemplate.main();

    @Test
    void readme_documentsEveryParameterAndEveryAlarm() throws Exception {
        String readme = Files.readString(Repo.path("README.md"));

        assertThat(T.parameters().keySet()).allSatisfy(p -> assertThat(readme).contains("| `" + p + "` |"));
        assertThat(T.resourcesOfType("AWS::CloudWatch::Alarm")).allSatisfy(a -> assertThat(readme).contains("| `" + a + "` |"));
    }

    /** "What the stack creates" names every lifecycle rule of the bucket the stack creates, by its prefix. */
    @Test
    void readme_bucketRow_namesEveryLifecycleRulesPrefix() throws Exception {
        String row = Files.readAllLines(Repo.path("README.md")).stream().filter(l -> l.startsWith("| `Bucket`")).findFirst().orElseThrow();
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
