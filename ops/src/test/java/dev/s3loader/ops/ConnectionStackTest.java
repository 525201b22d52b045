package dev.s3loader.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.s3loader.embedded.EmbeddedS3;
import dev.s3loader.embedded.EmbeddedSqs;
import dev.s3loader.embedded.SharedServers;
import dev.s3loader.embedded.fixtures.SdkCredentialProperties;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * {@code --stack NAME}: the bucket and both queue URLs come from the stack's outputs, read with one
 * DescribeStacks call, here answered by a loopback endpoint speaking CloudFormation's query protocol
 * (form-encoded POST, XML answer), as AWS does. S3 and SQS are the embedded servers.
 */
class ConnectionStackTest {
    private static final String NS = "http://cloudformation.amazonaws.com/doc/2010-05-15/";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final List<Map<String, String>> requests = new CopyOnWriteArrayList<>();
    private final String bucket = "stack-" + UUID.randomUUID().toString().substring(0, 12);
    private final String ledger = "ledger_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    private final EmbeddedSqs.Queues queues = SharedServers.sqs().createQueueWithDeadLetterQueue(bucket, 3, Duration.ofSeconds(300));
    private HttpServer cloudFormation;
    private SdkCredentialProperties credentials;

    @BeforeEach
    void start() throws IOException {
        SharedServers.s3().createBucket(bucket);
        cloudFormation = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        cloudFormation.createContext("/", exchange -> {
            Map<String, String> form = form(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            requests.add(form);
            boolean known = "DescribeStacks".equals(form.get("Action")) && "pipeline".equals(form.get("StackName"));
            byte[] body = (known ? describeStacks() : error("ValidationError", "Stack with id " + form.get("StackName")
                    + " does not exist")).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/xml");
            exchange.sendResponseHeaders(known ? 200 : 400, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        cloudFormation.start();
        // The verbs use the SDK's default credential chain off scripts/local; its first link is these properties.
        credentials = SdkCredentialProperties.set(EmbeddedS3.ACCESS_KEY, EmbeddedS3.SECRET_KEY);
    }

    @AfterEach
    void stop() {
        cloudFormation.stop(0);
        credentials.close();
    }

    private String describeStacks() {
        return "<DescribeStacksResponse xmlns=\"" + NS + "\"><DescribeStacksResult><Stacks><member>"
                + "<StackName>pipeline</StackName>"
                + "<StackId>arn:aws:cloudformation:us-east-1:000000000000:stack/pipeline/1</StackId>"
                + "<CreationTime>2026-11-30T00:00:00Z</CreationTime><StackStatus>CREATE_COMPLETE</StackStatus>"
                + "<Outputs>"
                + output("BucketName", bucket)
                + output("QueueUrl", queues.queueUrl())
                + output("DeadLetterQueueUrl", queues.deadLetterQueueUrl())
                + output("ListerFunctionName", "pipeline-lister")
                + "</Outputs><Parameters>"
                + parameter("Destination", "postgres")
                + parameter("PostgresJdbcUrl", SharedServers.postgres().jdbcUrl())
                + parameter("LedgerTable", ledger)
                + parameter("DatabaseSecretArn", "")
                + "</Parameters></member></Stacks></DescribeStacksResult>"
                + "<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></DescribeStacksResponse>";
    }

    private static String output(String key, String value) {
        return "<member><OutputKey>" + key + "</OutputKey><OutputValue>" + value.replace("&", "&amp;")
                + "</OutputValue></member>";
    }

    private static String parameter(String key, String value) {
        return "<member><ParameterKey>" + key + "</ParameterKey><ParameterValue>" + value.replace("&", "&amp;")
                + "</ParameterValue></member>";
    }

    private static String error(String code, String message) {
        return "<ErrorResponse xmlns=\"" + NS + "\"><Error><Type>Sender</Type><Code>" + code + "</Code><Message>" + message
                + "</Message></Error><RequestId>2</RequestId></ErrorResponse>";
    }

    private static Map<String, String> form(String body) {
        Map<String, String> form = new HashMap<>();
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                form.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return form;
    }

    /** No --local: the AWS code path, with the endpoints the SDK's own variables name. */
    private Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("AWS_REGION", "us-east-1");
        env.put("AWS_ENDPOINT_URL_CLOUDFORMATION", "http://127.0.0.1:" + cloudFormation.getAddress().getPort());
        env.put("AWS_ENDPOINT_URL_S3", SharedServers.s3().endpoint().toString());
        env.put("AWS_ENDPOINT_URL_SQS", SharedServers.sqs().endpoint().toString());
        return env;
    }

    @Test
    void stack_outputsNameTheBucketAndBothQueues_oneDescribeStacksCall() throws Exception {
        try (S3Client s3 = SharedServers.s3().newClient(); SqsClient sqs = SharedServers.sqs().newClient()) {
            s3.putObject(b -> b.bucket(bucket).key("incoming/a.csv"), RequestBody.fromString("1\n"));
            sqs.sendMessage(b -> b.queueUrl(queues.queueUrl()).messageBody("{}"));
            sqs.sendMessage(b -> b.queueUrl(queues.deadLetterQueueUrl()).messageBody("{}"));
            sqs.sendMessage(b -> b.queueUrl(queues.deadLetterQueueUrl()).messageBody("{}"));
        }

        StatusCommandTest.Run r = StatusCommandTest.run(env(), "status", "--stack", "pipeline", "--json");

        assertThat(r.err()).isEmpty();
        JsonNode j = JSON.readTree(r.out());
        assertThat(j.path("bucket").asText()).isEqualTo(bucket);
        assertThat(j.path("backlog").path("files").asLong()).isEqualTo(1);
        assertThat(j.path("queue").path("url").asText()).isEqualTo(queues.queueUrl());
        assertThat(j.path("queue").path("visible").asLong()).isEqualTo(1);
        assertThat(j.path("deadLetterQueue").path("url").asText()).isEqualTo(queues.deadLetterQueueUrl());
        assertThat(j.path("deadLetterQueue").path("visible").asLong()).isEqualTo(2);
        assertThat(r.status()).as("dead-letter messages need the operator").isEqualTo(1);
        assertThat(requests).singleElement().satisfies(form -> assertThat(form)
                .containsEntry("Action", "DescribeStacks").containsEntry("StackName", "pipeline"));
    }

    @Test
    void auditStack_learnsTheDestinationAndLedgerFromTheStacksParameters() throws Exception {
        AuditFixture.postgresSql("CREATE TABLE " + ledger + " (\"key\" text NOT NULL, \"etag\" text NOT NULL, \"size\" bigint NOT NULL,"
                + " \"batch_id\" text NOT NULL, \"row_count\" bigint, \"loaded_at\" timestamptz NOT NULL DEFAULT now())");
        try (S3Client s3 = SharedServers.s3().newClient()) {
            s3.putObject(b -> b.bucket(bucket).key("processed/never-loaded.csv"), RequestBody.fromString("1\n"));
        }
        Map<String, String> env = env();
        env.put("DB_USER", SharedServers.postgres().user());
        env.put("DB_PASSWORD", SharedServers.postgres().password());
        env.put("DB_SSL_MODE", "disable");

        StatusCommandTest.Run r = StatusCommandTest.run(env, "audit", "--stack", "pipeline");

        assertThat(r.status()).as(r.out() + r.err()).isEqualTo(1);
        assertThat(r.out()).contains("ledger: postgres table " + ledger, "VIOLATION processed-without-ledger-row (1)");
        assertThat(requests).hasSize(1);
    }

    @Test
    void stack_optionsStillWinOverTheOutputs() throws Exception {
        EmbeddedSqs.Queues other = SharedServers.sqs().createQueueWithDeadLetterQueue(bucket + "-other", 3, Duration.ofSeconds(300));

        StatusCommandTest.Run r = StatusCommandTest.run(env(), "status", "--stack", "pipeline", "--json",
                "--dead-letter-queue-url", other.deadLetterQueueUrl());

        JsonNode j = JSON.readTree(r.out());
        assertThat(j.path("queue").path("url").asText()).isEqualTo(queues.queueUrl());
        assertThat(j.path("deadLetterQueue").path("url").asText()).isEqualTo(other.deadLetterQueueUrl());
    }

    @Test
    void stack_unknown_oneClearLineAndExitTwo() {
        StatusCommandTest.Run r = StatusCommandTest.run(env(), "status", "--stack", "nope");

        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("s3loader status: --stack: Stack with id nope does not exist\n");
        assertThat(r.out()).isEmpty();
    }
}
