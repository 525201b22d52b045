package dev.s3loader.bench;

import dev.s3loader.clients.AwsClients;
import java.lang.management.ManagementFactory;
import java.net.URI;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.crt.AwsCrtHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.EncodingType;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * One cold start, in a fresh JVM: build the lister's three clients with one HTTP client, make
 * the first S3 call, and print how long after JVM start each step finished.
 */
public final class ColdStartProbe {
    private ColdStartProbe() {
    }

    public static void main(String[] args) {
        String client = args[0];
        URI endpoint = URI.create(args[1]);
        var credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create("s3loader", "s3loader-secret"));
        SdkHttpClient http = client.equals("crt") ? AwsCrtHttpClient.builder().build() : AwsClients.http();
        S3Client s3 = S3Client.builder().httpClient(http).region(Region.US_EAST_1).credentialsProvider(credentials)
                .endpointOverride(endpoint).forcePathStyle(true).overrideConfiguration(AwsClients.retries()).build();
        SqsClient sqs = SqsClient.builder().httpClient(http).region(Region.US_EAST_1).credentialsProvider(credentials)
                .overrideConfiguration(AwsClients.retries()).build();
        CloudWatchClient cw = CloudWatchClient.builder().httpClient(http).region(Region.US_EAST_1)
                .credentialsProvider(credentials).overrideConfiguration(AwsClients.retries()).build();
        long built = sinceJvmStart();
        s3.listObjectsV2(b -> b.bucket("bench").prefix("incoming/").encodingType(EncodingType.URL));
        long firstCall = sinceJvmStart();
        System.out.println("PROBE " + client + " " + built + " " + firstCall);
        sqs.close();
        cw.close();
        s3.close();
    }

    private static long sinceJvmStart() {
        return System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime();
    }
}
