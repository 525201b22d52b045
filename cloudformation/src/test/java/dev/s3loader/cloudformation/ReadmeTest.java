package dev.s3loader.cloudformation;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
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
}
