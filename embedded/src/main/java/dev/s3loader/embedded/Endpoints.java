package dev.s3loader.embedded;

import java.net.URI;
import java.util.Objects;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.SqsClientBuilder;

/**
 * Where an S3 and an SQS server are and how to sign for them. Integration tests take this rather
 * than an {@link EmbeddedS3}/{@link EmbeddedSqs}, so the same test can run against the embedded
 * servers ({@link SharedServers#endpoints()}) or against LocalStack ({@link LocalStackEndpoints}).
 */
public record Endpoints(URI s3Endpoint, URI sqsEndpoint, Region region, String accessKey, String secretKey) {
    public Endpoints {
        Objects.requireNonNull(s3Endpoint, "s3Endpoint");
        Objects.requireNonNull(sqsEndpoint, "sqsEndpoint");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(accessKey, "accessKey");
        Objects.requireNonNull(secretKey, "secretKey");
    }

    public static Endpoints of(EmbeddedS3 s3, EmbeddedSqs sqs) {
        // Both embedded servers use the same fixed credentials and region.
        return new Endpoints(s3.endpoint(), sqs.endpoint(), s3.region(), s3.accessKey(), s3.secretKey());
    }

    /** A configured builder (endpoint, region, credentials, path style, url-connection client) to adjust. */
    public S3ClientBuilder s3ClientBuilder() {
        return SdkClients.s3(s3Endpoint, region, accessKey, secretKey);
    }

    public S3Client s3Client() {
        return s3ClientBuilder().build();
    }

    public SqsClientBuilder sqsClientBuilder() {
        return SdkClients.sqs(sqsEndpoint, region, accessKey, secretKey);
    }

    public SqsClient sqsClient() {
        return sqsClientBuilder().build();
    }
}
