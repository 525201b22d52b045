package dev.s3loader.local.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3loader.embedded.lambda.LambdaFunction;
import dev.s3loader.embedded.lambda.LambdaRuntimeApi.InitError;
import dev.s3loader.embedded.lambda.SqsEventSourceMapping;
import org.junit.jupiter.api.Test;

/**
 * A configuration error stops the function at initialisation: the runtime client reports it
 * through {@code /runtime/init/error} (what Lambda shows as the invocation's error and logs once per
 * cold start), with a message naming the variable, and the runtime exits; no event is taken.
 */
// Isolated: the function's init probes the store through the JVM's shared S3 server, and once, run beside the
// concurrent fault suite, every attempt of a probe PUT failed ("Error writing request body to server") and init with it.
@org.junit.jupiter.api.parallel.Isolated
class ConfigErrorUnderRuntimeClientTest {

    @Test
    void loaderWithoutBucket_initErrorNamesTheVariable_runtimeExits() {
        // Arrange: every variable the loader needs but BUCKET.
        try (LambdaFunction loader = Functions.loader().env("DESTINATION", "copy").start()) {

            // Act
            InitError error = loader.initError();

            // Assert
            var body = SqsEventSourceMapping.json(error.body());
            assertThat(body.get("errorMessage").asText()).as(error.body()).isEqualTo("BUCKET is required but not set");
            assertThat(body.get("errorType").asText()).isEqualTo("dev.s3loader.model.ConfigException");
            assertThat(error.errorType()).isEqualTo("Runtime.BadFunctionCode");
            assertThat(loader.isAlive()).as(loader.output()).isFalse();
            assertThat(loader.exitValue()).isNotZero();
        }
    }
}
