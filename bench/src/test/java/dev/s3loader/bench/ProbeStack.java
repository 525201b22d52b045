package dev.s3loader.bench;

import dev.s3loader.embedded.EmbeddedS3;
import dev.s3loader.embedded.EmbeddedSqs;
import dev.s3loader.embedded.EmbeddedCloudWatch;
import dev.s3loader.model.FileMessage;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The local servers a probe JVM talks to, started in the bench's own JVM before any timed JVM
 * starts (so their start-up is never counted), and the environment that points a Lambda jar at them.
 */
final class ProbeStack implements AutoCloseable {
    final EmbeddedS3 s3Server;
    final EmbeddedSqs sqsServer = EmbeddedSqs.start();
    final EmbeddedCloudWatch cloudWatch = EmbeddedCloudWatch.start();
    final S3Client s3;
    final SqsClient sqs;

    ProbeStack(EmbeddedS3 s3Server) {
        this.s3Server = s3Server;
        this.s3 = s3Server.newClient();
        this.sqs = sqsServer.newClient();
    }

    /** The variables every function gets: region, credentials, and the SDK's standard endpoint overrides. */
    Map<String, String> awsEnv() {
        Map<String, String> env = new HashMap<>();
        env.put("AWS_REGION", EmbeddedS3.REGION.id());
        env.put("AWS_ACCESS_KEY_ID", EmbeddedS3.ACCESS_KEY);
        env.put("AWS_SECRET_ACCESS_KEY", EmbeddedS3.SECRET_KEY);
        env.put("AWS_ENDPOINT_URL_S3", s3Server.endpoint().toString());
        env.put("AWS_ENDPOINT_URL_SQS", sqsServer.endpoint().toString());
        env.put("AWS_ENDPOINT_URL_CLOUDWATCH", cloudWatch.endpoint().toString());
        return env;
    }

    String queue(String name) {
        return sqsServer.createQueueWithDeadLetterQueue(name, 5, Duration.ofMinutes(15)).queueUrl();
    }

    FileMessage put(String bucket, String key, String body) {
        s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromString(body));
        return message(bucket, key);
    }

    FileMessage message(String bucket, String key) {
        HeadObjectResponse head = s3.headObject(b -> b.bucket(bucket).key(key));
        return new FileMessage(bucket, key, head.eTag(), head.contentLength(), head.lastModified());
    }

    boolean exists(String bucket, String key) {
        try {
            s3.headObject(b -> b.bucket(bucket).key(key));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        }
    }

    @Override
    public void close() {
        s3.close();
        sqs.close();
        cloudWatch.close();
        sqsServer.close();
        s3Server.close();
    }
}
