package dev.s3loader.local.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3loader.embedded.EmbeddedPostgres;
import dev.s3loader.embedded.SharedServers;
import dev.s3loader.embedded.lambda.LambdaFunction;
import dev.s3loader.embedded.lambda.LambdaRuntimeApi.Answer;
import dev.s3loader.embedded.lambda.LambdaRuntimeApi.Status;
import dev.s3loader.embedded.lambda.SqsEventSourceMapping;
import dev.s3loader.model.FileMessage;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The invocation's deadline, as the runtime client hands it to the handler (from
 * {@code Lambda-Runtime-Deadline-Ms}, through {@code Context.getRemainingTimeInMillis()}): a batch
 * that cannot finish in time answers before the deadline and hands its messages back in
 * {@code batchItemFailures}, instead of running until Lambda stops the function; the next delivery
 * loads them.
 */
// Isolated: the function's init probes the store through the JVM's shared S3 server, and once, run beside the
// concurrent fault suite, every attempt of a probe PUT failed ("Error writing request body to server") and init with it.
@org.junit.jupiter.api.parallel.Isolated
class LoaderDeadlineUnderRuntimeClientTest {
    private static final String BUCKET = "ric-deadline";
    private static final String DATABASE = "ric_deadline";
    private static final String TABLE = "t_ric_deadline";
    /** Short, so the test is; long enough that a loaded machine still answers within the kept margin (a quarter). */
    private static final Duration FUNCTION_TIMEOUT = Duration.ofSeconds(12);

    @Test
    void batchBlockedPastTheDeadline_answersInTime_handsEveryMessageBack_nextDeliveryLoadsThem() throws Exception {
        // Arrange: a warm function whose first batch created the ledger; then another transaction
        // holds the claim of one file of the next batch (as a worker loading the same message would).
        EmbeddedPostgres pg = SharedServers.postgres();
        pg.createDatabase(DATABASE);
        Functions.sql(DATABASE, "DROP TABLE IF EXISTS " + TABLE + "; DROP TABLE IF EXISTS " + TABLE + "_ledger; "
                + "CREATE TABLE " + TABLE + " (id int NOT NULL, name varchar(10), amount int)");
        SharedServers.s3().createBucket(BUCKET);
        String queueUrl = SharedServers.sqs().createQueueWithDeadLetterQueue("ric-deadline", 5, Duration.ofSeconds(60))
                .queueUrl();
        try (S3Client s3 = SharedServers.s3().newClient(); SqsClient sqs = SharedServers.sqs().newClient();
             LambdaFunction loader = Functions.loader().timeout(FUNCTION_TIMEOUT).env(Map.of(
                     "BUCKET", BUCKET, "DESTINATION", "postgres", "DB_URL", pg.jdbcUrl(DATABASE), "DB_USER", pg.user(),
                     "DB_PASSWORD", pg.password(), "DB_SSL_MODE", "disable", "DB_TABLE", TABLE,
                     "DB_LEDGER_TABLE", TABLE + "_ledger")).start()) {
            SqsEventSourceMapping mapping = new SqsEventSourceMapping(sqs, queueUrl, "us-east-1");
            FileMessage warm = put(s3, "incoming/dl/warm.csv", "1,w,1\n");
            sqs.sendMessage(b -> b.queueUrl(queueUrl).messageBody(warm.toJson()));
            List<Message> first = mapping.receiveBatch(1);
            Answer warmed = loader.invoke(mapping.event(first));
            assertThat(mapping.apply(first, warmed)).as(loader.output()).isEmpty();

            FileMessage a = put(s3, "incoming/dl/a.csv", "2,a,2\n");
            FileMessage b = put(s3, "incoming/dl/b.csv", "3,b,3\n");
            for (FileMessage m : List.of(a, b)) {
                sqs.sendMessage(r -> r.queueUrl(queueUrl).messageBody(m.toJson()));
            }
            List<Message> batch = mapping.receiveBatch(2);
            assertThat(batch).hasSize(2);
            Answer blocked;
            Set<String> handedBack;
            try (Connection holder = Functions.connect(DATABASE)) {
                holder.setAutoCommit(false);
                try (PreparedStatement p = holder.prepareStatement("INSERT INTO " + TABLE + "_ledger (key, etag, size, batch_id)"
                        + " VALUES (?, ?, 0, 'holder')")) {
                    p.setString(1, a.key());
                    p.setString(2, a.etag());
                    p.executeUpdate();
                }

                // Act
                blocked = loader.invoke(mapping.event(batch));
                handedBack = mapping.apply(batch, blocked);
                holder.rollback();
            }

            // Assert: answered (not stopped by Lambda), before the deadline, every message handed back.
            assertThat(blocked.status()).as(loader.output()).isEqualTo(Status.RESPONSE);
            assertThat(blocked.inTime()).as("answered %d ms before the deadline", blocked.deadlineMs() - blocked.answeredAtMs())
                    .isTrue();
            assertThat(handedBack).containsExactlyInAnyOrderElementsOf(batch.stream().map(Message::messageId).toList());
            assertThat(Functions.keys(s3, BUCKET, "incoming/dl/")).containsExactly(a.key(), b.key());
            assertThat(Functions.count(DATABASE, "SELECT count(*) FROM " + TABLE + " WHERE id IN (2, 3)")).isZero();
            var depth = sqs.getQueueAttributes(r -> r.queueUrl(queueUrl)
                    .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
            assertThat(depth.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).isEqualTo("2");

            // The next delivery (made visible now rather than after the visibility timeout) loads both.
            batch.forEach(m -> sqs.changeMessageVisibility(r -> r.queueUrl(queueUrl).receiptHandle(m.receiptHandle())
                    .visibilityTimeout(0)));
            List<Message> again = mapping.receiveBatch(2);
            Answer loaded = loader.invoke(mapping.event(again));
            assertThat(mapping.apply(again, loaded)).as(loader.output()).isEmpty();
            assertThat(Functions.keys(s3, BUCKET, "processed/dl/"))
                    .containsExactly("processed/dl/a.csv", "processed/dl/b.csv", "processed/dl/warm.csv");
            assertThat(Functions.count(DATABASE, "SELECT count(*) FROM " + TABLE)).isEqualTo(3);
        }
    }

    private static FileMessage put(S3Client s3, String key, String body) {
        s3.putObject(b -> b.bucket(BUCKET).key(key), RequestBody.fromString(body));
        var head = s3.headObject(b -> b.bucket(BUCKET).key(key));
        return new FileMessage(BUCKET, key, head.eTag(), head.contentLength(), head.lastModified());
    }

}
