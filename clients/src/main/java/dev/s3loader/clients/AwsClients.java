package dev.s3loader.clients;

import java.util.Optional;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;

/**
 * What every s3loader AWS client is built with, once per container: one explicit HTTP client
 * (url-connection: the smallest jar and the fastest cold start), the region from AWS_REGION, and
 * the SDK's standard retry mode, which retries exactly what AWS marks retryable (throttling, 5xx,
 * timeouts, I/O errors) with backoff.
 */
public final class AwsClients {
    /**
     * Idle keep-alive connections HttpURLConnection keeps per host (JDK default 5). The loader
     * moves up to MOVE_CONCURRENCY files at once per batch and several batches at once; with five
     * idle slots every request past the fifth closes its connection and the next one opens a new
     * TCP connection (and, on AWS, a TLS handshake). The JDK reads the property once, when the first
     * keep-alive connection is cached, so it is set before any client exists; a value given on the
     * command line wins.
     */
    static final String KEEP_ALIVE_CONNECTIONS = "64";

    static {
        if (System.getProperty("http.maxConnections") == null) {
            System.setProperty("http.maxConnections", KEEP_ALIVE_CONNECTIONS);
        }
    }

    private AwsClients() {
    }

    public static SdkHttpClient http() {
        return new RetryableHttpClient(UrlConnectionHttpClient.builder().build());
    }

    public static Region region() {
        return Region.of(Optional.ofNullable(System.getenv("AWS_REGION")).orElse("us-east-1"));
    }

    /**
     * Gives any service client builder the shared HTTP client, region, retry policy and
     * {@link KeyEchoInterceptor}, {@link ListingEchoInterceptor} and
     * {@link NoExpectContinueInterceptor#SMALL_BODIES} (which act on S3 requests and answers only).
     */
    public static <B extends AwsClientBuilder<B, ?> & AwsSyncClientBuilder<B, ?>> B configure(B builder, SdkHttpClient http) {
        return builder.httpClient(http).region(region()).overrideConfiguration(overrides());
    }

    /** The retry policy and the interceptors every s3loader client runs with. */
    public static ClientOverrideConfiguration overrides() {
        return retries().toBuilder().addExecutionInterceptor(KeyEchoInterceptor.INSTANCE)
                .addExecutionInterceptor(ListingEchoInterceptor.INSTANCE)
                .addExecutionInterceptor(NoExpectContinueInterceptor.SMALL_BODIES).build();
    }

    public static ClientOverrideConfiguration retries() {
        return ClientOverrideConfiguration.builder().retryStrategy(RetryMode.STANDARD).build();
    }
}
