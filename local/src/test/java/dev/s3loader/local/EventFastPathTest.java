package dev.s3loader.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3loader.embedded.SharedServers;
import dev.s3loader.loader.BatchOutcome;
import dev.s3loader.loader.Delivery;
import dev.s3loader.loader.Loader;
import dev.s3loader.model.LoaderConfig;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The event fast path against the embedded servers: S3's own event notification messages on the
 * load queue, next to the lister's, and the lister as the reconciler.
 */
class EventFastPathTest {
    S3Client s3;
    SqsClient sqs;
    String bucket;
    String queueUrl;

    @BeforeEach
    void createBucketAndQueue() {
        s3 = SharedServers.s3().newClient();
        sqs = SharedServers.sqs().newClient();
        bucket = "ev-" + UUID.randomUUID().toString().substring(0, 12);
        s3.createBucket(b -> b.bucket(bucket));
        queueUrl = sqs.createQueue(b -> b.queueName(bucket)).queueUrl();
    }

    @AfterEach
    void closeClients() {
        s3.close();
        sqs.close();
    }

    Map<String, String> env(String... kv) {
        Map<String, String> env = new HashMap<>(Map.of("BUCKET", bucket, "QUEUE_URL", queueUrl,
                "WAIT_TIME_SECONDS", "1", "VISIBILITY_TIMEOUT_SECONDS", "30", "POLLERS", "2", "BATCH_SIZE", "10"));
        for (int i = 0; i < kv.length; i += 2) {
            env.put(kv[i], kv[i + 1]);
        }
        return env;
    }

    Loader loader(Map<String, String> env) {
        return new Loader(LoaderConfig.fromEnv(env), new Loader.Clients(s3, () -> {
            throw new IllegalStateException("not used");
        }), line -> { }, Clock.systemUTC());
    }

    String put(String key, String content) {
        return s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromString(content, StandardCharsets.UTF_8)).eTag();
    }

    String get(String key) {
        return s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asUtf8String();
    }

    boolean exists(String key) {
        try {
            s3.headObject(b -> b.bucket(bucket).key(key));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        }
    }

    /** One record of an S3 event notification as AWS writes it (key form-URL-encoded, etag unquoted). */
    String record(String encodedKey, String etag, long size) {
        return "{\"eventVersion\":\"2.1\",\"eventSource\":\"aws:s3\",\"awsRegion\":\"us-east-1\",\"eventTime\":"
                + "\"2026-11-30T19:05:02.123Z\",\"eventName\":\"ObjectCreated:Put\",\"userIdentity\":{\"principalId\":"
                + "\"AWS:EXAMPLE\"},\"requestParameters\":{\"sourceIPAddress\":\"127.0.0.1\"},\"responseElements\":{"
                + "\"x-amz-request-id\":\"C3D13FE58DE4C810\",\"x-amz-id-2\":\"x\"},\"s3\":{\"s3SchemaVersion\":\"1.0\","
                + "\"configurationId\":\"s3loader\",\"bucket\":{\"name\":\"" + bucket + "\",\"ownerIdentity\":{"
                + "\"principalId\":\"A3NL1KOZZKExample\"},\"arn\":\"arn:aws:s3:::" + bucket + "\"},\"object\":{\"key\":\""
                + encodedKey + "\",\"size\":" + size + ",\"eTag\":\"" + etag.replace("\"", "")
                + "\",\"sequencer\":\"0055AED6DCD90281E5\"}}}";
    }

    @Test
    void loader_s3EventNotification_loadsEveryRecordAcksTheTestEventAndHandsBackAMalformedOne() {
        String spacePlus = put("incoming/a b+c.csv", "one");
        String unicode = put("incoming/ü 中/x%y.csv", "two");
        String alone = put("incoming/alone.csv", "three");
        String event = "{\"Records\":[" + record("incoming/a+b%2Bc.csv", spacePlus, 3) + ","
                + record("incoming/%C3%BC+%E4%B8%AD/x%25y.csv", unicode, 3) + "]}";
        String testEvent = "{\"Service\":\"Amazon S3\",\"Event\":\"s3:TestEvent\",\"Time\":\"2026-11-30T15:57:02.089Z\","
                + "\"Bucket\":\"" + bucket + "\",\"RequestId\":\"5582815E1AEA5ADF\",\"HostId\":\"8cLe\"}";
        String malformed = "{\"Records\":[{\"eventSource\":\"aws:s3\",\"eventName\":\"ObjectCreated:Put\"}]}";

        BatchOutcome out;
        try (Loader loader = loader(env())) {
            out = loader.processor().process(List.of(new Delivery("event-1", event, 1),
                    new Delivery("test-1", testEvent, 1), new Delivery("bad-1", malformed, 1),
                    new Delivery("event-2", "{\"Records\":[" + record("incoming/alone.csv", alone, 5) + "]}", 1)));
        }

        assertThat(out.failedMessageIds()).containsExactly("bad-1");
        assertThat(out.processed()).isEqualTo(3);
        assertThat(get("processed/a b+c.csv")).isEqualTo("one");
        assertThat(get("processed/ü 中/x%y.csv")).isEqualTo("two");
        assertThat(get("processed/alone.csv")).isEqualTo("three");
        assertThat(exists("incoming/a b+c.csv")).isFalse();
    }
}
