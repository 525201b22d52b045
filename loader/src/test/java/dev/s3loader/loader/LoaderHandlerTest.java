package dev.s3loader.loader;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.s3loader.embedded.SharedServers;
import dev.s3loader.model.FileMessage;
import dev.s3loader.model.LoaderConfig;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/** The Lambda handler on the copy destination against S3Proxy: only failed message ids come back. */
class LoaderHandlerTest {
    private static S3Client s3;
    private static String bucket;
    private static LoaderWiring loader;
    private static LoaderHandler handler;

    @BeforeAll
    static void setUp() {
        s3 = SharedServers.s3().newClient();
        bucket = "handler-" + UUID.randomUUID().toString().substring(0, 8);
        s3.createBucket(b -> b.bucket(bucket));
        loader = new LoaderWiring(LoaderConfig.fromEnv(Map.of("BUCKET", bucket)), new LoaderWiring.Clients(s3, () -> {
            throw new IllegalStateException("not used");
        }), line -> { }, Clock.systemUTC());
        handler = new LoaderHandler(loader);
    }

    @AfterAll
    static void tearDown() {
        loader.close();
        s3.close();
    }

    private static SQSEvent.SQSMessage message(String id, String body, String receiveCount) {
        SQSEvent.SQSMessage m = new SQSEvent.SQSMessage();
        m.setMessageId(id);
        m.setBody(body);
        m.setAttributes(receiveCount == null ? null : Map.of("ApproximateReceiveCount", receiveCount));
        return m;
    }

    private static String drop(String key, String content) {
        s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromString(content));
        String etag = s3.headObject(b -> b.bucket(bucket).key(key)).eTag();
        return new FileMessage(bucket, key, etag, content.length(), Instant.now()).toJson();
    }

    @Test
    void handleRequest_nullOrEmptyEvent_reportsNoFailures() {
        assertThat(handler.handle(null, null).getBatchItemFailures()).isEmpty();
        assertThat(handler.handle(new SQSEvent(), null).getBatchItemFailures()).isEmpty();
    }

    @Test
    void handleRequest_mixedGoodBadAndMalformed_returnsOnlyTheMalformedIds() {
        List<SQSEvent.SQSMessage> records = new ArrayList<>();
        records.add(message("m1", drop("incoming/h/one.csv", "1"), "1"));
        records.add(message("m2", "{not json", "1"));
        records.add(message("m3", drop("incoming/h/two words.csv", "2"), null));
        records.add(message("m4", null, "2"));
        records.add(message("m5", new FileMessage(bucket, "incoming/h/never-written.csv", "\"x\"", 1, Instant.now()).toJson(), "1"));
        SQSEvent event = new SQSEvent();
        event.setRecords(records);

        SQSBatchResponse response = handler.handle(event, null);

        assertThat(response.getBatchItemFailures()).extracting(SQSBatchResponse.BatchItemFailure::getItemIdentifier)
                .containsExactlyInAnyOrder("m2", "m4");
        assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket).key("processed/h/one.csv")).asUtf8String()).isEqualTo("1");
        assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket).key("processed/h/two words.csv")).asUtf8String()).isEqualTo("2");
    }

    private static String invoke(String event) throws java.io.IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        handler.handleRequest(new java.io.ByteArrayInputStream(event.getBytes(java.nio.charset.StandardCharsets.UTF_8)), out, null);
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void handleRequest_preflightRequest_answersTheItemsAndLeavesNothing() throws Exception {
        String answer = invoke(dev.s3loader.model.PreflightAnswer.REQUEST);

        var items = dev.s3loader.model.PreflightAnswer.fromJson(answer);
        assertThat(items).extracting(dev.s3loader.model.CheckItem::name)
                .containsExactly("s3 internal prefix", "s3 incoming listing", "s3 store conditions"); // the copy is the move: no destination of its own
        assertThat(items).allMatch(dev.s3loader.model.CheckItem::ok);
        assertThat(answer).startsWith("{\"s3loader\":\"preflight\",\"ok\":true,\"items\":[");
        assertThat(s3.listObjectsV2(b -> b.bucket(bucket).prefix("_s3loader/preflight/")).keyCount()).isZero();
    }

    @Test
    void handleRequest_sqsEventJson_answersBatchItemFailuresAsLambdaExpects() throws Exception {
        String good = drop("incoming/h/stream.csv", "3");
        String event = "{\"Records\":[{\"messageId\":\"s1\",\"receiptHandle\":\"r1\",\"body\":"
                + new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(good)
                + ",\"attributes\":{\"ApproximateReceiveCount\":\"1\",\"SentTimestamp\":\"1545082649183\"},"
                + "\"messageAttributes\":{},\"md5OfBody\":\"x\",\"eventSource\":\"aws:sqs\","
                + "\"eventSourceARN\":\"arn:aws:sqs:us-east-1:123456789012:q\",\"awsRegion\":\"us-east-1\"},"
                + "{\"messageId\":\"s2\",\"body\":\"{not json\",\"attributes\":{\"ApproximateReceiveCount\":\"1\"}}]}";

        String answer = invoke(event);

        assertThat(answer).isEqualTo("{\"batchItemFailures\":[{\"itemIdentifier\":\"s2\"}]}");
        assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket).key("processed/h/stream.csv")).asUtf8String()).isEqualTo("3");
        assertThat(invoke("{}")).isEqualTo("{\"batchItemFailures\":[]}");
    }
}
