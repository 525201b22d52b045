package dev.s3loader.local.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3loader.embedded.EmbeddedPostgres;
import dev.s3loader.embedded.SharedServers;
import dev.s3loader.embedded.lambda.LambdaFunction;
import dev.s3loader.embedded.lambda.LambdaRuntimeApi.Answer;
import dev.s3loader.embedded.lambda.LambdaRuntimeApi.Status;
import dev.s3loader.model.CheckItem;
import dev.s3loader.model.PreflightAnswer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * {@code s3loader check}'s preflight request as the deployed loader receives it: through AWS's
 * runtime interface client into the shaded jar's handler, which answers the checks from its own
 * clients without touching the queue or leaving anything in the bucket. On S3Proxy and on moto, so
 * the answer also shows how the loader moves files on each store (issue 16: the probe's choice is
 * what {@code check} prints).
 */
// Isolated: the function's init probes the store through the JVM's shared S3 server, and once, run beside the
// concurrent fault suite, every attempt of a probe PUT failed ("Error writing request body to server") and init with it.
@org.junit.jupiter.api.parallel.Isolated
class PreflightUnderRuntimeClientTest {
    private static final String DATABASE = "ric_preflight";

    @Test
    void preflight_onS3Proxy_everyItemHolds_theQueueAndBucketUntouched_andMovesUseTheStoresConditions() throws Exception {
        // Arrange
        String bucket = "ric-preflight-" + UUID.randomUUID().toString().substring(0, 8);
        SharedServers.s3().createBucket(bucket);
        String table = table(true);
        try (S3Client s3 = SharedServers.s3().newClient(); SqsClient sqs = SharedServers.sqs().newClient();
             LambdaFunction loader = loader(Functions.awsEnv(), bucket, table)) {
            String queueUrl = SharedServers.sqs().createQueueWithDeadLetterQueue(bucket, 3, Duration.ofSeconds(60)).queueUrl();
            sqs.sendMessage(b -> b.queueUrl(queueUrl).messageBody("{\"not\":\"read\"}"));

            // Act
            List<CheckItem> items = preflight(loader);

            // Assert
            assertThat(items).extracting(CheckItem::name).contains("s3 internal prefix", "s3 incoming listing",
                    "s3 store conditions");
            assertThat(items).allSatisfy(i -> assertThat(i.ok()).as("%s: %s", i.name(), i.detail()).isTrue());
            assertThat(item(items, "s3 store conditions").detail()).contains("DeleteObjects with each key's ETag",
                    "copies: CopySourceIfMatch");
            // Nothing left in the bucket but the probe's record of the store; the queue's message never received.
            assertThat(Functions.keys(s3, bucket, "")).allMatch(k -> k.startsWith("_s3loader/probe/"));
            Map<QueueAttributeName, String> depth = sqs.getQueueAttributes(b -> b.queueUrl(queueUrl).attributeNames(
                    QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                    QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
            assertThat(depth.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)).isEqualTo("1");
            assertThat(depth.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).isEqualTo("0");
        }
    }

    @Test
    void preflight_onMoto_namesTheSaferPathsItTakes_andAMissingTableIsOneProblem() throws Exception {
        // Arrange: moto ignores the ETag in DeleteObjects and CopySourceIfMatch; the table is not there.
        String bucket = "ric-preflight-moto-" + UUID.randomUUID().toString().substring(0, 8);
        var endpoints = SharedServers.motoEndpoints();
        try (S3Client s3 = endpoints.s3Client()) {
            s3.createBucket(b -> b.bucket(bucket));
        }
        Map<String, String> env = new java.util.LinkedHashMap<>(Functions.awsEnv());
        env.put("AWS_ENDPOINT_URL_S3", SharedServers.moto().endpoint().toString());
        String table = table(false);
        try (LambdaFunction loader = loader(env, bucket, table)) {
            // Act
            List<CheckItem> items = preflight(loader);

            // Assert
            assertThat(item(items, "s3 store conditions").ok()).isTrue();
            assertThat(item(items, "s3 store conditions").detail())
                    .contains("one DeleteObject with If-Match per key", "the store ignores CopySourceIfMatch");
            assertThat(item(items, "s3 internal prefix").ok()).isTrue();
            assertThat(items.stream().filter(i -> !i.ok()).toList()).as("the problems").singleElement()
                    .satisfies(i -> assertThat(i.detail() + " " + i.fix()).contains(table));
        }
    }

    private static LambdaFunction loader(Map<String, String> awsEnv, String bucket, String table) {
        EmbeddedPostgres pg = SharedServers.postgres();
        return Functions.loader().env(awsEnv).timeout(Duration.ofSeconds(60)).env(Map.of(
                "BUCKET", bucket, "DESTINATION", "postgres", "DB_URL", pg.jdbcUrl(DATABASE), "DB_USER", pg.user(),
                "DB_PASSWORD", pg.password(), "DB_SSL_MODE", "disable", "DB_TABLE", table,
                "DB_LEDGER_TABLE", table + "_ledger")).start();
    }

    private static List<CheckItem> preflight(LambdaFunction loader) {
        Answer answer = loader.invoke(PreflightAnswer.REQUEST);
        assertThat(answer.status()).as(loader.output()).isEqualTo(Status.RESPONSE);
        assertThat(answer.inTime()).isTrue();
        return PreflightAnswer.fromJson(answer.body());
    }

    private static CheckItem item(List<CheckItem> items, String name) {
        return items.stream().filter(i -> i.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no item '" + name + "' in " + items));
    }

    /** A fresh table name in the test's database; created when asked. */
    private static String table(boolean create) throws SQLException {
        EmbeddedPostgres pg = SharedServers.postgres();
        pg.createDatabase(DATABASE);
        String table = "t_pre_" + UUID.randomUUID().toString().substring(0, 8);
        if (create) {
            try (Connection c = DriverManager.getConnection(pg.jdbcUrl(DATABASE), pg.user(), pg.password());
                 Statement st = c.createStatement()) {
                st.execute("CREATE TABLE " + table + " (id int NOT NULL, name varchar(10))");
            }
        }
        return table;
    }
}
