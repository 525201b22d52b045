package dev.s3loader.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3loader.embedded.SharedServers;
import dev.s3loader.embedded.fixtures.SdkCredentialProperties;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The real command line against the real servers, where something is wrong: each error is one line
 * that says what to do, never an SDK exception's text.
 */
class CommandErrorsTest {
    private static Map<String, String> local() {
        Map<String, String> env = new HashMap<>();
        env.put("S3LOADER_S3_PORT", String.valueOf(SharedServers.s3().port()));
        env.put("S3LOADER_SQS_PORT", String.valueOf(SharedServers.sqs().port()));
        return env;
    }

    private static void assertOneLine(AuditFixture.Run r, int status, String line) {
        assertThat(r.status()).as(r.out() + r.err()).isEqualTo(status);
        assertThat(r.err()).isEqualTo(line + "\n");
    }

    @Test
    void status_noSuchBucket_oneLineNamingTheBucket() {
        var queues = SharedServers.sqs().createQueueWithDeadLetterQueue("errors-" + System.nanoTime(), 3, java.time.Duration.ofSeconds(30));

        AuditFixture.Run r = AuditFixture.run(local(), "status", "--local", "--bucket", "no-such-bucket", "--queue-url",
                queues.queueUrl(), "--dead-letter-queue-url", queues.deadLetterQueueUrl());

        assertOneLine(r, 3, "s3loader status: no such bucket s3://no-such-bucket: check --bucket (or BUCKET, S3LOADER_BUCKET:"
                + " the bucket scripts/local prints)");
    }

    @Test
    void status_localModeDown_oneLineNamingTheEndpointsAndScriptsLocal() throws IOException {
        Map<String, String> env = new HashMap<>();
        int s3 = closedPort();
        int sqs = closedPort();
        env.put("S3LOADER_S3_PORT", String.valueOf(s3));
        env.put("S3LOADER_SQS_PORT", String.valueOf(sqs));

        AuditFixture.Run r = AuditFixture.run(env, "status", "--local");

        assertOneLine(r, 3, "s3loader status: cannot reach scripts/local (S3 http://127.0.0.1:" + s3 + ", SQS http://127.0.0.1:"
                + sqs + "): Connection refused; start scripts/local, or set S3LOADER_S3_PORT and S3LOADER_SQS_PORT to the ports"
                + " it prints");
    }

    @Test
    void stack_withoutCredentials_oneLineSayingHowToGetThem() throws IOException {
        Assumptions.assumeTrue(System.getenv("AWS_ACCESS_KEY_ID") == null && System.getProperty("aws.accessKeyId") == null && System.getenv("AWS_PROFILE") == null
                && !java.nio.file.Files.exists(java.nio.file.Path.of(System.getProperty("user.home"), ".aws"))
                && System.getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI") == null
                && System.getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") == null, "this machine has AWS credentials");
        Map<String, String> env = new HashMap<>();
        // Never AWS itself: the credentials are looked for before any request is sent.
        env.put("AWS_ENDPOINT_URL_CLOUDFORMATION", "http://127.0.0.1:" + closedPort());
        System.setProperty("aws.disableEc2Metadata", "true");

        AuditFixture.Run r = AuditFixture.run(env, "status", "--stack", "my-pipeline", "--region", "us-east-1");

        assertOneLine(r, 3, "s3loader status: no AWS credentials: run `aws configure` or set AWS_PROFILE (or AWS_ACCESS_KEY_ID"
                + " and AWS_SECRET_ACCESS_KEY); for scripts/local on this machine use --local");
    }

    @Test
    void unknownHost_oneLineNamingTheHostInsteadOfSeeCause() {
        try (var credentials = SdkCredentialProperties.set("k", "s")) {
            AuditFixture.Run r = AuditFixture.run(Map.of(), "audit", "--bucket", "b-1", "--region", "us-east-1", "--destination",
                    "copy", "--s3-endpoint", "http://no-such-host.invalid:9000");

            assertOneLine(r, 3, "s3loader audit: cannot resolve no-such-host.invalid: check --region (or AWS_REGION), any"
                    + " --s3-endpoint/--sqs-endpoint, and the network");
        }
    }

    @Test
    void localAndStackTogether_refusedInOneLine() {
        AuditFixture.Run r = AuditFixture.run(local(), "status", "--local", "--stack", "my-pipeline");

        assertOneLine(r, 2, "s3loader status: --local (scripts/local on this machine) and --stack my-pipeline (a pipeline on AWS)"
                + " name two different pipelines: give one of them");
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
