package dev.s3loader.lister.internal;

import dev.s3loader.clients.AwsClients;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/** The service clients the lister calls, built with the shared HTTP client, region and retry policy. */
public final class ServiceClients {
    private ServiceClients() {
    }

    public static S3Client s3(SdkHttpClient http) {
        return S3Client.builder().httpClient(http).region(AwsClients.region()).overrideConfiguration(AwsClients.retries()).build();
    }

    public static SqsClient sqs(SdkHttpClient http) {
        return SqsClient.builder().httpClient(http).region(AwsClients.region()).overrideConfiguration(AwsClients.retries()).build();
    }

    public static CloudWatchClient cloudWatch(SdkHttpClient http) {
        return CloudWatchClient.builder().httpClient(http).region(AwsClients.region())
                .overrideConfiguration(AwsClients.retries()).build();
    }
}
