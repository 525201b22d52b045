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
        return AwsClients.configure(S3Client.builder(), http).build();
    }

    public static SqsClient sqs(SdkHttpClient http) {
        return AwsClients.configure(SqsClient.builder(), http).build();
    }

    public static CloudWatchClient cloudWatch(SdkHttpClient http) {
        return AwsClients.configure(CloudWatchClient.builder(), http).build();
    }
}
