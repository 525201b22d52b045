package dev.s3loader.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.s3loader.embedded.DocPages;
import dev.s3loader.clients.S3Objects;
import dev.s3loader.embedded.EmbeddedPostgres;
import dev.s3loader.embedded.SharedServers;
import dev.s3loader.lister.ListerHandler;
import dev.s3loader.lister.ListerWiring;
import dev.s3loader.loader.LoaderHandler;
import dev.s3loader.loader.LoaderWiring;
import dev.s3loader.loader.poller.ContainerWorker;
import dev.s3loader.model.ListerConfig;
import dev.s3loader.model.LoaderConfig;
import dev.s3loader.model.PollerConfig;
import dev.s3loader.model.WorkerConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.logging.LogManager;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * What an operator on AWS reads: the log lines of a real lister run and real loader batches
 * (postgres destination, the handlers as Lambda calls them, then the container worker polling
 * the queue itself) against the local servers, captured
 * from standard output and error as CloudWatch would store them. Every line is one JSON object;
 * the Logs Insights queries of docs/operations.md name only fields these lines carry; no line holds the file's
 * content or the database URL's password.
 */
// Isolated: it captures the JVM's stdout, so no other test class may log while it runs (the fault suite runs concurrently).
@Isolated
class LogLinesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CONTENT_MARKER = "ROWCONTENT" + UUID.randomUUID().toString().substring(0, 8);
    private static final String PASSWORD = "pw" + UUID.randomUUID().toString().replace("-", "");
    private static final String REQUEST_ID = "req-" + UUID.randomUUID();
    private static List<String> lines;
    private static String dbUrl;

    @BeforeAll
    static void runAListerRunAndTwoBatches() throws Exception {
        // Arrange: a bucket, a queue, a table writable by a user whose password is in DB_URL.
        String name = "logs" + UUID.randomUUID().toString().substring(0, 8);
        S3Client s3 = SharedServers.s3().newClient();
        SqsClient sqs = SharedServers.sqs().newClient();
        CloudWatchClient cloudWatch = SharedServers.cloudWatch().newClient();
        s3.createBucket(b -> b.bucket(name));
        String queueUrl = sqs.createQueue(b -> b.queueName(name)).queueUrl();
        EmbeddedPostgres pg = SharedServers.postgres();
        pg.createDatabase(name);
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(name), pg.user(), pg.password());
             Statement st = c.createStatement()) {
            st.execute("CREATE ROLE " + name + " LOGIN PASSWORD '" + PASSWORD + "'");
            st.execute("CREATE TABLE trips (id int NOT NULL, amount int)");
            st.execute("GRANT ALL ON SCHEMA public TO " + name);
            st.execute("GRANT ALL ON trips TO " + name);
        }
        dbUrl = pg.jdbcUrl(name) + (pg.jdbcUrl(name).contains("?") ? "&" : "?") + "user=" + name + "&password=" + PASSWORD;
        s3.putObject(b -> b.bucket(name).key("incoming/trips/good.csv"), RequestBody.fromString("1,10\n2,20\n"));
        s3.putObject(b -> b.bucket(name).key("incoming/trips/bad.csv"), RequestBody.fromString("3,30\n4," + CONTENT_MARKER + "\n"));

        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream capture = new PrintStream(captured, true, StandardCharsets.UTF_8);
        System.setOut(capture);
        System.setErr(capture);
        // java.util.logging as a fresh JVM has it: its console handler writes to the stream just set.
        LogManager.getLogManager().readConfiguration();
        Map<String, String> loaderEnv = new HashMap<>(Map.of("BUCKET", name, "DESTINATION", "postgres", "DB_URL", dbUrl,
                "DB_TABLE", "trips", "DB_SSL_MODE", "disable", "PIPELINE_NAME", name));
        LoaderWiring loader = new LoaderWiring(LoaderConfig.fromEnv(loaderEnv), new LoaderWiring.Clients(s3, () -> {
            throw new IllegalStateException("no Redshift here");
        }), System.out::println, Clock.systemUTC());
        try {
            // Act: the lister dispatches both files; the loader takes them in one batch, with a
            // malformed message and a message for a file never written; then the good file,
            // dropped again unchanged, is found in the ledger and only moved.
            ListerConfig listerConfig = ListerConfig.fromEnv(Map.of("BUCKET", name, "QUEUE_URL", queueUrl,
                    "PIPELINE_NAME", name));
            ListerHandler lister = new ListerHandler(ListerWiring.service(listerConfig, s3, sqs,
                    ListerWiring.cloudWatchPublisher(cloudWatch, listerConfig.metricsNamespace(), name, Clock.systemUTC()),
                    Clock.systemUTC()), Duration.ZERO, Duration.ZERO);
            lister.handleRequest(null, null);
            LoaderHandler handler = new LoaderHandler(loader);
            List<SQSEvent.SQSMessage> records = new ArrayList<>();
            for (Message m : receive(sqs, queueUrl, 2)) {
                records.add(record(m.messageId(), m.body(), m.attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)));
            }
            records.add(record("malformed-1", "{not json", "3"));
            records.add(record("gone-1", records.getFirst().getBody().replace("good.csv", "never-written.csv")
                    .replace("bad.csv", "never-written.csv"), "1"));
            SQSBatchResponse first = handler.handle(event(records), new TestContext(REQUEST_ID));
            assertThat(first.getBatchItemFailures()).extracting(SQSBatchResponse.BatchItemFailure::getItemIdentifier)
                    .contains("malformed-1");
            lister.handleRequest(null, null); // sees both files gone: no longer in flight
            s3.copyObject(b -> b.sourceBucket(name).sourceKey("processed/trips/good.csv")
                    .destinationBucket(name).destinationKey("incoming/trips/good.csv"));
            lister.handleRequest(null, null);
            List<SQSEvent.SQSMessage> again = new ArrayList<>();
            for (Message m : receive(sqs, queueUrl, 1)) {
                again.add(record(m.messageId(), m.body(), "2"));
            }
            handler.handle(event(again), new TestContext(REQUEST_ID + "-2"));

            // The container worker (what an ECS task runs) takes the next file from the queue itself.
            s3.putObject(b -> b.bucket(name).key("incoming/trips/container.csv"), RequestBody.fromString("5,50\n"));
            lister.handleRequest(null, null);
            ContainerWorker worker = new ContainerWorker(sqs, loader.processor(), new PollerConfig(queueUrl, 10,
                    Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ZERO, 1),
                    new WorkerConfig(Duration.ofHours(1), Duration.ofSeconds(10)));
            worker.start();
            for (int i = 0; i < 120 && !S3Objects.exists(s3, name, "processed/trips/container.csv"); i++) {
                Thread.sleep(500);
            }
            worker.shutdown();
        } finally {
            loader.close();
            System.setOut(out);
            System.setErr(err);
            LogManager.getLogManager().readConfiguration();
            s3.close();
            sqs.close();
            cloudWatch.close();
        }
        lines = captured.toString(StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
        out.println("captured " + lines.size() + " lines:");
        lines.forEach(out::println);
    }

    @AfterAll
    static void done() {
        lines = null;
    }

    @Test
    void everyLine_isOneJsonObject() {
        assertThat(lines).isNotEmpty();
        for (String line : lines) {
            assertThat(parse(line)).as("a JSON object per line: %s", line).isNotNull();
        }
    }

    @Test
    void fileLines_sayWhatBecameOfEachFile_withItsMessageAttemptBatchAndRequest() {
        Map<String, JsonNode> byOutcome = new LinkedHashMap<>();
        for (JsonNode n : kind("file")) {
            byOutcome.putIfAbsent(n.path("outcome").asText() + " " + n.path("key").asText(), n);
        }
        assertThat(byOutcome).containsKeys("loaded incoming/trips/good.csv", "failed incoming/trips/bad.csv",
                "processed incoming/trips/good.csv", "duplicate incoming/trips/never-written.csv", "handed_back ");
        JsonNode loaded = byOutcome.get("loaded incoming/trips/good.csv");
        assertThat(loaded.path("etag").asText()).isNotEmpty();
        assertThat(loaded.path("messageId").asText()).isNotEmpty();
        assertThat(loaded.path("attempt").asInt()).isEqualTo(1);
        assertThat(loaded.path("batchId").asText()).isNotEmpty();
        assertThat(loaded.path("requestId").asText()).isEqualTo(REQUEST_ID);
        assertThat(byOutcome.get("processed incoming/trips/good.csv").path("attempt").asInt()).isEqualTo(2);
        assertThat(byOutcome.get("failed incoming/trips/bad.csv").path("reason").asText()).contains("line 2");
        assertThat(byOutcome.get("handed_back ").path("messageId").asText()).isEqualTo("malformed-1");
        assertThat(kind("batch")).hasSize(3);
        JsonNode container = byOutcome.get("loaded incoming/trips/container.csv");
        assertThat(container).as("the container worker's line").isNotNull();
        assertThat(container.has("requestId")).as("no Lambda request in a container").isFalse();
        assertThat(container.path("batchId").asText()).isEqualTo(container.path("messageId").asText());
        assertThat(kind("lister")).hasSize(4).allSatisfy(n -> assertThat(n.has("backlogFiles")).isTrue());
    }

    @Test
    void emfLines_stayValidEmbeddedMetricFormat() {
        List<JsonNode> emf = lines.stream().map(LogLinesTest::parse).filter(n -> n != null && n.has("_aws")).toList();
        assertThat(emf).hasSize(3).allSatisfy(n -> {
            assertThat(n.path("_aws").path("CloudWatchMetrics").get(0).path("Namespace").asText()).isNotEmpty();
            assertThat(n.has("LoadedFiles")).isTrue();
            assertThat(n.has("message")).as("not wrapped in a log record").isFalse();
        });
    }

    @Test
    void noLine_holdsFileContentOrThePassword() {
        assertThat(lines).noneMatch(l -> l.contains(CONTENT_MARKER));
        assertThat(lines).noneMatch(l -> l.contains(PASSWORD));
        assertThat(lines).noneMatch(l -> l.contains(dbUrl));
    }

    @Test
    void readmeQueries_nameOnlyFieldsTheLinesCarry() throws Exception {
        List<String> queries = readmeQueries();
        assertThat(queries).as("queries in docs/operations.md's Logs section").hasSizeGreaterThanOrEqualTo(3);
        for (String q : queries) {
            Matcher kind = Pattern.compile("event\\s*=\\s*\"([a-z]+)\"").matcher(q);
            assertThat(kind.find()).as("the query names the kind of line it reads: %s", q).isTrue();
            List<JsonNode> ofKind = kind("" + kind.group(1));
            assertThat(ofKind).as("lines of kind %s", kind.group(1)).isNotEmpty();
            Set<String> present = new LinkedHashSet<>();
            ofKind.forEach(n -> n.fieldNames().forEachRemaining(present::add));
            assertThat(present).as("fields of %s lines, for query: %s", kind.group(1), q).containsAll(fields(q));
            Matcher outcome = Pattern.compile("outcome\\s*(?:=|in)\\s*\\[?([^|\\]]*)").matcher(q);
            while (outcome.find()) {
                Matcher value = Pattern.compile("\"([^\"]*)\"").matcher(outcome.group(1));
                while (value.find()) {
                    assertThat(ofKind).as("a line with outcome %s, for query: %s", value.group(1), q)
                            .anyMatch(n -> n.path("outcome").asText().equals(value.group(1)));
                }
            }
        }
    }

    /** The Logs Insights queries (```  blocks starting with fields/filter/stats) of docs/operations.md's Logs section. */
    static List<String> readmeQueries() throws Exception {
        String section = String.join("\n", DocPages.section("operations.md",
                "Logs: one line per file, one per lister run (CloudWatch Logs Insights)")) + "\n";
        List<String> out = new ArrayList<>();
        Matcher block = Pattern.compile("```\\n(.*?)```", Pattern.DOTALL).matcher(section);
        while (block.find()) {
            String q = block.group(1).strip();
            if (q.startsWith("fields") || q.startsWith("filter") || q.startsWith("stats")) {
                out.add(q);
            }
        }
        return out;
    }

    private static final Set<String> KEYWORDS = Set.of("fields", "filter", "stats", "sort", "by", "as", "desc", "asc",
            "limit", "and", "or", "not", "in", "like", "display", "parse", "dedup", "unmask");

    /** The log fields a query names: identifiers that are not keywords, functions, aliases, @-fields or literals. */
    static Set<String> fields(String query) {
        String q = query.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", " ").replaceAll("/(?:[^/\\\\]|\\\\.)+/", " ");
        Set<String> aliases = new LinkedHashSet<>();
        Matcher alias = Pattern.compile("\\bas\\s+([A-Za-z_][A-Za-z0-9_]*)").matcher(q);
        while (alias.find()) {
            aliases.add(alias.group(1));
        }
        Set<String> out = new LinkedHashSet<>();
        Matcher id = Pattern.compile("(?<![@A-Za-z0-9_.])([A-Za-z_][A-Za-z0-9_]*)(\\s*\\()?").matcher(q);
        while (id.find()) {
            String word = id.group(1);
            if (id.group(2) == null && !KEYWORDS.contains(word) && !aliases.contains(word) && !word.matches("\\d.*")) {
                out.add(word);
            }
        }
        return out;
    }

    private static List<JsonNode> kind(String event) {
        return lines.stream().map(LogLinesTest::parse).filter(n -> n != null && event.equals(n.path("event").asText()))
                .toList();
    }

    private static JsonNode parse(String line) {
        try {
            JsonNode n = JSON.readTree(line);
            return n != null && n.isObject() ? n : null;
        } catch (Exception e) {
            return null;
        }
    }

    private static List<Message> receive(SqsClient sqs, String queueUrl, int n) {
        List<Message> got = new ArrayList<>();
        for (int i = 0; i < 20 && got.size() < n; i++) {
            got.addAll(sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(10).waitTimeSeconds(1)
                    .messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)).messages());
        }
        assertThat(got).hasSize(n);
        return got;
    }

    private static SQSEvent.SQSMessage record(String id, String body, String receiveCount) {
        SQSEvent.SQSMessage m = new SQSEvent.SQSMessage();
        m.setMessageId(id);
        m.setBody(body);
        m.setAttributes(Map.of("ApproximateReceiveCount", receiveCount));
        return m;
    }

    private static SQSEvent event(List<SQSEvent.SQSMessage> records) {
        SQSEvent e = new SQSEvent();
        e.setRecords(records);
        return e;
    }
}
