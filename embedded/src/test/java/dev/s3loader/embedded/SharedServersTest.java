package dev.s3loader.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

class SharedServersTest {

    @Test
    void s3_calledConcurrently_startsOneServer() throws Exception {
        // Arrange
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            Callable<EmbeddedS3> get = SharedServers::s3;

            // Act
            List<Future<EmbeddedS3>> results = pool.invokeAll(List.of(get, get, get, get));

            // Assert
            EmbeddedS3 first = results.get(0).get();
            for (Future<EmbeddedS3> f : results) {
                assertThat(f.get()).isSameAs(first);
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void endpoints_sharedServers_clientsReachBoth() {
        // Arrange
        Endpoints endpoints = SharedServers.endpoints();
        SharedServers.s3().createBucket("endpoints-test");

        // Act
        try (S3Client s3 = endpoints.s3Client(); SqsClient sqs = endpoints.sqsClient()) {
            s3.putObject(b -> b.bucket("endpoints-test").key("k"), RequestBody.fromString("v"));
            String url = sqs.createQueue(b -> b.queueName("endpoints-test")).queueUrl();

            // Assert
            assertThat(s3.getObjectAsBytes(b -> b.bucket("endpoints-test").key("k")).asUtf8String()).isEqualTo("v");
            assertThat(url).startsWith(endpoints.sqsEndpoint().toString());
        }
        assertThat(endpoints.s3Endpoint()).isEqualTo(SharedServers.s3().endpoint());
        assertThat(endpoints.region().id()).isEqualTo("us-east-1");
        assertThat(endpoints.s3Endpoint().getHost()).isEqualTo("127.0.0.1");
    }

    @Test
    void allServers_sameInstanceEveryCall() {
        assertThat(SharedServers.sqs()).isSameAs(SharedServers.sqs());
        assertThat(SharedServers.cloudWatch()).isSameAs(SharedServers.cloudWatch());
        assertThat(SharedServers.postgres()).isSameAs(SharedServers.postgres());
    }
}
