package dev.s3loader.cloudformation;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * cfn-lint on the template, through cloudformation/lint. Skipped (not failed) only where cfn-lint
 * is not installed; the machines of this project have it.
 */
class CfnLintTest {
    /** cloudformation/lint's exit code when cfn-lint is not installed. */
    private static final int NOT_INSTALLED = 3;

    @Test
    void template_passesCfnLint_withoutErrorsOrWarnings() throws Exception {
        Process p = new ProcessBuilder("bash", Repo.path("cloudformation", "lint").toString())
                .redirectErrorStream(true).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("cfn-lint did not finish within 120 s");
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        Assumptions.assumeFalse(p.exitValue() == NOT_INSTALLED, () -> "skipped: " + output.strip());
        System.out.print(output);

        assertThat(p.exitValue()).as("cfn-lint findings:%n%s", output).isZero();
    }
}
