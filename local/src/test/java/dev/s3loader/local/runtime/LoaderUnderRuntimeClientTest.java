package dev.s3loader.local.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.s3loader.embedded.EmbeddedPostgres;
import dev.s3loader.embedded.SharedServers;
import dev.s3loader.embedded.lambda.LambdaFunction;
import dev.s3loader.embedded.lambda.LambdaRuntimeApi.Answer;
import dev.s3loader.embedded.lambda.LambdaRuntimeApi.Status;
import dev.s3loader.embedded.lambda.SqsEventSourceMapping;
import dev.s3loader.model.FileMessage;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The loader's shaded jar under AWS's runtime interface client, one warm function for the class
 * (as Lambda reuses an execution environment), loading into PostgreSQL: the SQS event as AWS
 * prints it, and batches built from real received messages the way the event source mapping
 * builds them, answered with {@code batchItemFailures} that the test applies as the mapping does.
 */
// Isolated: the function's init probes the store through the JVM's shared S3 server, and once, run beside the
// concurrent fault suite, every attempt of a probe PUT failed ("Error writing request body to server") and init with it.
@org.junit.jupiter.api.parallel.Isolated
class LoaderUnderRuntimeClientTest {
    private static final String BUCKET = "ric-loader";
    private static final String DATABASE = "ric_loader";
    private static final String TABLE = "t_ric";
    private static S3Client s3;
    private static SqsClient sqs;
    private static String queueUrl;
    private static SqsEventSourceMapping mapping;
    private static LambdaFunction loader;

    @BeforeAll
    static void start() throws SQLException {
        EmbeddedPostgres pg = SharedServers.postgres();
        pg.createDatabase(DATABASE);
        Functions.sql(DATABASE, "DROP TABLE IF EXISTS " + TABLE + "; DROP TABLE IF EXISTS " + TABLE + "_ledger; "
                + "CREATE TABLE " + TABLE + " (id int NOT NULL, name varchar(10), amount int)");
        SharedServers.s3().createBucket(BUCKET);
        s3 = SharedServers.s3().newClient();
        sqs = SharedServers.sqs().newClient();
        queueUrl = SharedServers.sqs().createQueueWithDeadLetterQueue("ric-loader", 5, Duration.ofSeconds(60)).queueUrl();
        mapping = new SqsEventSourceMapping(sqs, queueUrl, "us-east-1");
        loader = Functions.loader().timeout(Duration.ofSeconds(60)).env(Map.of(
                "BUCKET", BUCKET, "DESTINATION", "postgres", "DB_URL", pg.jdbcUrl(DATABASE), "DB_USER", pg.user(),
                "DB_PASSWORD", pg.password(), "DB_SSL_MODE", "disable", "DB_TABLE", TABLE,
                "DB_LEDGER_TABLE", TABLE + "_ledger")).start();
    }

    @AfterAll
    static void stop() {
        if (loader != null) {
            loader.close();
        }
        s3.close();
        sqs.close();
    }

    @Test
    void sqsEvent_asAwsDocumentsIt_bodiesNamingNoFile_bothHandedBackUnderTheirDocumentedIds() {
        // Act
        Answer answer = loader.invoke(Functions.event("sqs-event.json"));

        // Assert: the ids the answer names are the document's, so messageId and body were read.
        assertThat(answer.status()).as(loader.output()).isEqualTo(Status.RESPONSE);
        assertThat(itemIdentifiers(answer)).containsExactly("059f36b4-87a3-44ab-83d2-661975830a7d",
                "2e1424d4-f796-459a-8184-9c92662be6da");
    }

    @Test
    void batchAsTheMappingBuildsIt_goodFilesLoad_poisonToFailed_malformedHandedBack_andOnlyItStaysQueued() throws Exception {
        // Arrange: two good files, one the table refuses, and a message that names no file.
        List<String> good = List.of("incoming/batch/good one.csv", "incoming/batch/ünï+%20'q.csv");
        put(good.get(0), "1,a,1\n2,b,2\n");
        put(good.get(1), "3,c,3\n");
        put("incoming/batch/poison.csv", "4,far too long for ten,4\n");
        for (String key : List.of(good.get(0), good.get(1), "incoming/batch/poison.csv")) {
            send(message(key).toJson());
        }
        String malformedBody = "{\"bucket\": \"" + BUCKET + "\", \"key\": ";
        send(malformedBody);
        List<Message> batch = mapping.receiveBatch(4);
        assertThat(batch).hasSize(4);
        String event = mapping.event(batch);
        assertHasEveryDocumentedField(event);

        // Act
        Answer answer = loader.invoke(event);
        Set<String> failed = mapping.apply(batch, answer);

        // Assert
        assertThat(answer.status()).as(loader.output()).isEqualTo(Status.RESPONSE);
        assertThat(answer.inTime()).isTrue();
        String malformedId = batch.stream().filter(m -> m.body().equals(malformedBody)).findFirst().orElseThrow().messageId();
        assertThat(failed).containsExactly(malformedId);
        assertThat(Functions.keys(s3, BUCKET, "processed/batch/"))
                .containsExactlyInAnyOrder("processed/batch/good one.csv", "processed/batch/ünï+%20'q.csv");
        assertThat(Functions.keys(s3, BUCKET, "failed/batch/")).containsExactly("failed/batch/poison.csv");
        assertThat(Functions.keys(s3, BUCKET, "incoming/batch/")).isEmpty();
        assertThat(Functions.count(DATABASE, "SELECT count(*) FROM " + TABLE + " WHERE id BETWEEN 1 AND 4")).isEqualTo(3);
        // The queue: only the handed-back message is left, invisible until its visibility timeout;
        // made visible now, it is redelivered as its second receive.
        var depth = sqs.getQueueAttributes(b -> b.queueUrl(queueUrl).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
                .attributes();
        assertThat(depth.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)).isEqualTo("0");
        assertThat(depth.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).isEqualTo("1");
        Message back = batch.stream().filter(m -> m.messageId().equals(malformedId)).findFirst().orElseThrow();
        sqs.changeMessageVisibility(b -> b.queueUrl(queueUrl).receiptHandle(back.receiptHandle()).visibilityTimeout(0));
        List<Message> again = mapping.receiveBatch(1);
        assertThat(again).extracting(Message::messageId).containsExactly(malformedId);
        assertThat(again.get(0).attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)).isEqualTo("2");
        mapping.apply(again, new Answer("-", Status.RESPONSE, "{\"batchItemFailures\":[]}", null, 0, 0)); // leave the queue empty
    }

    /** The mapping's records carry every field of AWS's example record (and the test's own names none it lacks). */
    private static void assertHasEveryDocumentedField(String event) {
        JsonNode documented = SqsEventSourceMapping.json(Functions.event("sqs-event.json")).get("Records").get(0);
        for (JsonNode record : SqsEventSourceMapping.json(event).get("Records")) {
            assertThat(fieldNames(record)).containsAll(fieldNames(documented));
            assertThat(fieldNames(record.get("attributes"))).containsAll(fieldNames(documented.get("attributes")));
            assertThat(record.get("messageAttributes").has("origin")).as(record.toString()).isTrue();
        }
    }

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new TreeSet<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        return names;
    }

    static List<String> itemIdentifiers(Answer answer) {
        List<String> ids = new ArrayList<>();
        SqsEventSourceMapping.json(answer.body()).get("batchItemFailures").forEach(f -> ids.add(f.get("itemIdentifier").asText()));
        return ids;
    }

    private static void send(String body) {
        sqs.sendMessage(b -> b.queueUrl(queueUrl).messageBody(body).messageAttributes(Map.of("origin",
                MessageAttributeValue.builder().dataType("String").stringValue("runtime-client test").build())));
    }

    private static void put(String key, String body) {
        s3.putObject(b -> b.bucket(BUCKET).key(key), RequestBody.fromString(body));
    }

    private static FileMessage message(String key) {
        var head = s3.headObject(b -> b.bucket(BUCKET).key(key));
        return new FileMessage(BUCKET, key, head.eTag(), head.contentLength(), head.lastModified());
    }

}
