package dev.s3loader.embedded;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.apache.pekko.http.scaladsl.Http;
import org.elasticmq.NodeAddress;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.elasticmq.rest.sqs.TheSQSRestServerBuilder;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.SqsClientBuilder;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * A real SQS server (ElasticMQ) running in this JVM on 127.0.0.1. It speaks the AWS JSON protocol
 * that SDK v2 uses, applies visibility timeouts and moves messages to a dead-letter queue after
 * {@code maxReceiveCount} receives, like SQS. Credentials are not checked; the fixed ones below are
 * only there so the SDK can sign.
 */
public final class EmbeddedSqs implements AutoCloseable {
    public static final String ACCESS_KEY = "s3loader";
    public static final String SECRET_KEY = "s3loader-secret";
    public static final Region REGION = Region.US_EAST_1;
    /** ElasticMQ's default account id; it appears in queue URLs and ARNs. */
    public static final String ACCOUNT_ID = "000000000000";

    /** A queue and its dead-letter queue, as {@link #createQueueWithDeadLetterQueue} made them. */
    public record Queues(String queueUrl, String deadLetterQueueUrl, String deadLetterQueueArn) {
    }

    private final SQSRestServer server;
    private final URI endpoint;
    private final SqsClient adminClient;

    private EmbeddedSqs(int port) {
        TheSQSRestServerBuilder builder = SQSRestServerBuilder
                .withInterface("127.0.0.1")
                .withAWSRegion(REGION.id())
                .withAWSAccountId(ACCOUNT_ID);
        // With a dynamic port ElasticMQ builds queue URLs from the port it actually bound;
        // with a fixed one it must be told the address to put in them.
        builder = port == 0
                ? builder.withDynamicPort()
                : builder.withPort(port).withServerAddress(new NodeAddress("http", "127.0.0.1", port, ""));
        this.server = builder.start();
        Http.ServerBinding binding;
        try {
            binding = server.waitUntilStarted();
        } catch (RuntimeException e) {
            server.stopAndWait();
            throw new IllegalStateException("cannot start ElasticMQ on 127.0.0.1:" + port, e);
        }
        this.endpoint = URI.create("http://127.0.0.1:" + binding.localAddress().getPort());
        this.adminClient = newClient();
    }

    /** Starts an SQS server on the given port (0 = any free port). Queues live in memory. */
    public static EmbeddedSqs start(int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, was " + port);
        }
        return new EmbeddedSqs(port);
    }

    /** Starts an SQS server on a free port. */
    public static EmbeddedSqs start() {
        return start(0);
    }

    /** Base URL, e.g. {@code http://127.0.0.1:41235}; use it as the SDK's endpoint override. */
    public URI endpoint() {
        return endpoint;
    }

    public int port() {
        return endpoint.getPort();
    }

    public String accessKey() {
        return ACCESS_KEY;
    }

    public String secretKey() {
        return SECRET_KEY;
    }

    public Region region() {
        return REGION;
    }

    /** A new real SQS client (AWS JSON protocol) for this server; the caller closes it. */
    public SqsClient newClient() {
        return newClientBuilder().build();
    }

    /** A builder already configured for this server, for tests that adjust it. */
    public SqsClientBuilder newClientBuilder() {
        return SdkClients.sqs(endpoint, REGION, ACCESS_KEY, SECRET_KEY);
    }

    /**
     * Creates {@code name} and {@code name + "-dlq"}, with a redrive policy on {@code name} that
     * moves a message to the dead-letter queue when it is received more than
     * {@code maxReceiveCount} times, as the CloudFormation template does. Idempotent for the same
     * arguments.
     */
    public Queues createQueueWithDeadLetterQueue(String name, int maxReceiveCount, Duration visibilityTimeout) {
        Objects.requireNonNull(name, "name");
        if (maxReceiveCount < 1) {
            throw new IllegalArgumentException("maxReceiveCount must be >= 1, was " + maxReceiveCount);
        }
        long visibilitySeconds = visibilityTimeout.toSeconds();
        if (visibilitySeconds < 0 || visibilitySeconds > 43_200) {
            throw new IllegalArgumentException("visibilityTimeout must be 0..12h, was " + visibilityTimeout);
        }
        String dlqUrl = adminClient.createQueue(b -> b.queueName(name + "-dlq")).queueUrl();
        String dlqArn = adminClient.getQueueAttributes(b -> b.queueUrl(dlqUrl)
                        .attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
        String redrivePolicy = "{\"deadLetterTargetArn\":\"" + dlqArn + "\",\"maxReceiveCount\":\""
                + maxReceiveCount + "\"}";
        String queueUrl = adminClient.createQueue(b -> b.queueName(name).attributes(Map.of(
                QueueAttributeName.VISIBILITY_TIMEOUT, Long.toString(visibilitySeconds),
                QueueAttributeName.REDRIVE_POLICY, redrivePolicy))).queueUrl();
        return new Queues(queueUrl, dlqUrl, dlqArn);
    }

    /**
     * Creates {@code name} beside {@code queues}, redriven to the same dead-letter queue (as the
     * template's event queue is); returns its URL. Idempotent for the same arguments.
     */
    public String createQueueBeside(Queues queues, String name, int maxReceiveCount, Duration visibilityTimeout) {
        String redrivePolicy = "{\"deadLetterTargetArn\":\"" + queues.deadLetterQueueArn() + "\",\"maxReceiveCount\":\""
                + maxReceiveCount + "\"}";
        return adminClient.createQueue(b -> b.queueName(name).attributes(Map.of(
                QueueAttributeName.VISIBILITY_TIMEOUT, Long.toString(visibilityTimeout.toSeconds()),
                QueueAttributeName.REDRIVE_POLICY, redrivePolicy))).queueUrl();
    }

    @Override
    public void close() {
        adminClient.close();
        server.stopAndWait();
    }

    @Override
    public String toString() {
        return "EmbeddedSqs[" + endpoint + "]";
    }
}
