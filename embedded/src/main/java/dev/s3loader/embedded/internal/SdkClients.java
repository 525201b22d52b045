package dev.s3loader.embedded.internal;

import dev.s3loader.clients.AwsClients;
import dev.s3loader.embedded.NoExpectContinueInterceptor;
import java.net.URI;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClientBuilder;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.SqsClientBuilder;

/**
 * Client builders pointed at a local server. Everything is explicit (endpoint, region, static
 * credentials, the project's HTTP client and retry policy from {@link AwsClients}) so nothing is
 * read from the environment or from ~/.aws, and a test never reaches a real AWS account by accident.
 */
public final class SdkClients {
    private SdkClients() {
    }

    public static S3ClientBuilder s3(URI endpoint, Region region, String accessKey, String secretKey) {
        return S3Client.builder()
                .endpointOverride(endpoint)
                .region(region)
                .credentialsProvider(credentials(accessKey, secretKey))
                // Local servers have no virtual-host DNS: the bucket goes in the path.
                .forcePathStyle(true)
                // The same HTTP client and retry policy as the Lambdas, so tests exercise what production runs,
                // less Expect: 100-continue, which S3Proxy and HttpURLConnection get wrong together.
                .httpClient(AwsClients.http())
                .overrideConfiguration(AwsClients.retries().toBuilder()
                        .addExecutionInterceptor(NoExpectContinueInterceptor.INSTANCE).build());
    }

    public static SqsClientBuilder sqs(URI endpoint, Region region, String accessKey, String secretKey) {
        return SqsClient.builder()
                .endpointOverride(endpoint)
                .region(region)
                .credentialsProvider(credentials(accessKey, secretKey))
                // The same HTTP client and retry policy as the Lambdas, so tests exercise what production runs.
                .httpClient(AwsClients.http())
                .overrideConfiguration(AwsClients.retries());
    }

    public static CloudWatchClientBuilder cloudWatch(URI endpoint, Region region, String accessKey, String secretKey) {
        return CloudWatchClient.builder()
                .endpointOverride(endpoint)
                .region(region)
                .credentialsProvider(credentials(accessKey, secretKey))
                // The same HTTP client and retry policy as the Lambdas, so tests exercise what production runs.
                .httpClient(AwsClients.http())
                .overrideConfiguration(AwsClients.retries());
    }

    private static StaticCredentialsProvider credentials(String accessKey, String secretKey) {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey));
    }
}
