package dev.s3loader.loader.internal;

import dev.s3loader.clients.AwsClients;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.services.redshiftdata.RedshiftDataClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/** The service clients the loader calls, built with the shared HTTP client, region and retry policy. */
public final class ServiceClients {
    private ServiceClients() {
    }

    public static S3Client s3(SdkHttpClient http) {
        return AwsClients.configure(S3Client.builder(), http).build();
    }

    public static SqsClient sqs(SdkHttpClient http) {
        return AwsClients.configure(SqsClient.builder(), http).build();
    }

    public static RedshiftDataClient redshiftData(SdkHttpClient http) {
        return AwsClients.configure(RedshiftDataClient.builder(), http).build();
    }

    public static SecretsManagerClient secretsManager(SdkHttpClient http) {
        return AwsClients.configure(SecretsManagerClient.builder(), http).build();
    }
}
