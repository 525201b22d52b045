package dev.s3loader.embedded;

import dev.s3loader.clients.AwsClients;
import dev.s3loader.clients.NoExpectContinueInterceptor;
import java.net.URI;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
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

    /**
     * Any service's builder with the same HTTP client and retry policy as the Lambdas, so tests
     * exercise what production runs, aimed at a local endpoint with static credentials.
     */
    public static <B extends AwsClientBuilder<B, ?> & AwsSyncClientBuilder<B, ?>> B local(
            B builder, URI endpoint, Region region, String accessKey, String secretKey) {
        return AwsClients.configure(builder, AwsClients.http())
                .endpointOverride(endpoint)
                .region(region)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)));
    }

    public static S3ClientBuilder s3(URI endpoint, Region region, String accessKey, String secretKey) {
        return local(S3Client.builder(), endpoint, region, accessKey, secretKey)
                // Local servers have no virtual-host DNS: the bucket goes in the path.
                .forcePathStyle(true)
                // S3Proxy and HttpURLConnection get Expect: 100-continue wrong together.
                .overrideConfiguration(AwsClients.overrides().toBuilder()
                        .addExecutionInterceptor(NoExpectContinueInterceptor.INSTANCE).build());
    }

    public static SqsClientBuilder sqs(URI endpoint, Region region, String accessKey, String secretKey) {
        return local(SqsClient.builder(), endpoint, region, accessKey, secretKey);
    }

    public static CloudWatchClientBuilder cloudWatch(URI endpoint, Region region, String accessKey, String secretKey) {
        return local(CloudWatchClient.builder(), endpoint, region, accessKey, secretKey);
    }
}
