package dev.s3loader.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.EncodingType;

/** Runs only where a Docker engine is available; skipped (not failed) elsewhere. */
class LocalStackEndpointsTest {

    @Test
    void startIfDockerAvailable_s3RoundTrip() {
        Optional<LocalStackEndpoints> started = LocalStackEndpoints.startIfDockerAvailable();
        assumeTrue(started.isPresent(), "no Docker engine: LocalStack tests skipped");
        try (LocalStackEndpoints localStack = started.get(); S3Client s3 = localStack.endpoints().s3Client()) {
            s3.createBucket(b -> b.bucket("localstack-test"));
            s3.putObject(b -> b.bucket("localstack-test").key("a//b"), RequestBody.fromString("v"));
            assertThat(s3.listObjectsV2(b -> b.bucket("localstack-test").encodingType(EncodingType.URL)).contents())
                    .singleElement().satisfies(o -> assertThat(o.key()).isEqualTo("a//b"));
        }
    }
}
