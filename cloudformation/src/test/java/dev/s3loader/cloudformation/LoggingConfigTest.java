package dev.s3loader.cloudformation;

import static dev.s3loader.cloudformation.CfnTemplate.cast;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Both functions log in Lambda's JSON format (AWS::Lambda::Function LoggingConfig), at INFO for
 * application and system lines: the EMF lines have no level (INFO to Lambda) and docs/operations.md's
 * cold-start queries read the INFO-level REPORT records.
 */
class LoggingConfigTest {
    private static final CfnTemplate T = CfnTemplate.main();

    @ParameterizedTest
    @ValueSource(strings = {"ListerFunction", "LoaderFunction"})
    void function_logsJsonAtInfo(String function) {
        Map<String, Object> logging = cast(T.properties(function).get("LoggingConfig"));

        assertThat(logging).containsEntry("LogFormat", "JSON").containsEntry("ApplicationLogLevel", "INFO")
                .containsEntry("SystemLogLevel", "INFO");
    }
}
