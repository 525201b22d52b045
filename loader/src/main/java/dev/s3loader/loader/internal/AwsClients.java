package dev.s3loader.loader.internal;

import java.net.URI;
import java.util.Optional;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.redshiftdata.RedshiftDataClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The loader's clients, built once per container: one explicit HTTP client (url-connection: the
 * smallest jar and the fastest cold start), the region from AWS_REGION, and the SDK's standard
 * retry mode, which retries exactly what AWS marks retryable (throttling, 5xx, timeouts).
 */
public final class AwsClients {
    private static final ClientOverrideConfiguration RETRIES = ClientOverrideConfiguration.builder()
            .retryStrategy(RetryMode.STANDARD).build();

    private AwsClients() {
    }

    public static SdkHttpClient http() {
        return UrlConnectionHttpClient.builder().build();
    }

    public static Region region() {
        return Region.of(Optional.ofNullable(System.getenv("AWS_REGION")).orElse("us-east-1"));
    }

    public static S3Client s3(SdkHttpClient http, Optional<URI> endpoint) {
        var b = S3Client.builder().httpClient(http).region(region()).overrideConfiguration(RETRIES);
        endpoint.ifPresent(e -> b.endpointOverride(e).forcePathStyle(true));
        return b.build();
    }

    public static SqsClient sqs(SdkHttpClient http) {
        return SqsClient.builder().httpClient(http).region(region()).overrideConfiguration(RETRIES).build();
    }

    public static RedshiftDataClient redshiftData(SdkHttpClient http) {
        return RedshiftDataClient.builder().httpClient(http).region(region()).overrideConfiguration(RETRIES).build();
    }
}
