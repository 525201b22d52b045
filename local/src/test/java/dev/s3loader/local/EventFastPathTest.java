package dev.s3loader.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3loader.embedded.SharedServers;
import dev.s3loader.embedded.fixtures.TestBucket;
import dev.s3loader.embedded.fixtures.TestDatabase;
import dev.s3loader.lister.ListerService;
import dev.s3loader.lister.ListerWiring;
import dev.s3loader.loader.BatchOutcome;
import dev.s3loader.loader.Delivery;
import dev.s3loader.loader.LoaderWiring;
import dev.s3loader.model.FileMessage;
import dev.s3loader.model.Layout;
import dev.s3loader.model.ListerConfig;
import dev.s3loader.model.ListerState;
import dev.s3loader.model.LoaderConfig;
import dev.s3loader.model.QueueMessage;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * The event fast path against the embedded servers: S3's own event notification messages on a
 * queue of their own beside the lister's, and the lister as the reconciler.
 */
class EventFastPathTest {
    S3Client s3;
    SqsClient sqs;
    String bucket;
    String queueUrl;
    /** Where S3 sends its event notifications: a queue of their own, as the stack and local mode wire it. */
    String eventQueueUrl;
    TestBucket files;
    /** The queue each received message came from, by receipt handle. */
    final Map<String, String> receivedFrom = new java.util.concurrent.ConcurrentHashMap<>();

    static final Layout LAYOUT = Layout.defaults();
    /** Keys S3's event encoding must carry byte for byte: space, +, %, unicode, control characters, CR, TAB, trailing spaces. */
    static final List<String> AWKWARD = List.of("incoming/a b+c.csv", "incoming/100% =&?#.csv", "incoming/ünï 😀/中文.csv",
            "incoming/ctl\u0001\u001f.csv", "incoming/cr\rlf\n tab\t.csv", "incoming/trailing  ", "incoming/a%2Bb+%20.csv",
            "incoming/\"quote'\\.csv", "incoming//double//slash");

    @TempDir
    Path temp;

    @BeforeEach
    void createBucketAndQueue() {
        s3 = SharedServers.s3().newClient();
        sqs = SharedServers.sqs().newClient();
        bucket = "ev-" + UUID.randomUUID().toString().substring(0, 12);
        s3.createBucket(b -> b.bucket(bucket));
        files = new TestBucket(s3, bucket);
        queueUrl = sqs.createQueue(b -> b.queueName(bucket)).queueUrl();
        eventQueueUrl = sqs.createQueue(b -> b.queueName(bucket + "-events")).queueUrl();
    }

    @AfterEach
    void closeClients() {
        SharedServers.s3().events().off(bucket);
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

    LoaderWiring loader(Map<String, String> env) {
        return new LoaderWiring(LoaderConfig.fromEnv(env), new LoaderWiring.Clients(s3, () -> {
            throw new IllegalStateException("not used");
        }), line -> { }, Clock.systemUTC());
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
        String spacePlus = files.put("incoming/a b+c.csv", "one");
        String unicode = files.put("incoming/ü 中/x%y.csv", "two");
        String alone = files.put("incoming/alone.csv", "three");
        String event = "{\"Records\":[" + record("incoming/a+b%2Bc.csv", spacePlus, 3) + ","
                + record("incoming/%C3%BC+%E4%B8%AD/x%25y.csv", unicode, 3) + "]}";
        String testEvent = "{\"Service\":\"Amazon S3\",\"Event\":\"s3:TestEvent\",\"Time\":\"2026-11-30T15:57:02.089Z\","
                + "\"Bucket\":\"" + bucket + "\",\"RequestId\":\"5582815E1AEA5ADF\",\"HostId\":\"8cLe\"}";
        String malformed = "{\"Records\":[{\"eventSource\":\"aws:s3\",\"eventName\":\"ObjectCreated:Put\"}]}";
        String processedKey = files.put("processed/already.csv", "elsewhere");
        String outside = "{\"Records\":[" + record("processed/already.csv", processedKey, 9) + "]}";

        BatchOutcome out;
        try (LoaderWiring loader = loader(env())) {
            out = loader.processor().process(List.of(new Delivery("event-1", event, 1),
                    new Delivery("test-1", testEvent, 1), new Delivery("bad-1", malformed, 1),
                    new Delivery("outside-1", outside, 1),
                    new Delivery("event-2", "{\"Records\":[" + record("incoming/alone.csv", alone, 5) + "]}", 1)));
        }

        assertThat(out.failedMessageIds()).containsExactly("bad-1");
        assertThat(out.processed()).isEqualTo(3);
        assertThat(files.get("processed/a b+c.csv")).isEqualTo("one");
        assertThat(files.get("processed/ü 中/x%y.csv")).isEqualTo("two");
        assertThat(files.get("processed/alone.csv")).isEqualTo("three");
        assertThat(files.exists("incoming/a b+c.csv")).isFalse();
        assertThat(files.get("processed/already.csv")).as("a key outside incoming/ is left alone").isEqualTo("elsewhere");
        assertThat(out.skipped()).isEqualTo(1);
    }

    void eventsOn() {
        SharedServers.s3().events().toQueue(bucket, LAYOUT.incoming(), sqs, eventQueueUrl);
    }

    /** Everything in both queues, the lister's and the events'. */
    List<Message> receiveAll() {
        List<Message> all = new ArrayList<>(receiveAll(queueUrl));
        all.addAll(receiveAll(eventQueueUrl));
        return all;
    }

    List<Message> receiveAll(String queue) {
        List<Message> all = new ArrayList<>();
        for (int empty = 0; empty < 2; ) {
            List<Message> got = sqs.receiveMessage(b -> b.queueUrl(queue).maxNumberOfMessages(10).waitTimeSeconds(1)
                    .visibilityTimeout(60)).messages();
            all.addAll(got);
            got.forEach(m -> receivedFrom.put(m.receiptHandle(), queue));
            empty = got.isEmpty() ? empty + 1 : 0;
        }
        return all;
    }

    void delete(List<Message> messages) {
        messages.forEach(m -> sqs.deleteMessage(b -> b.queueUrl(receivedFrom.get(m.receiptHandle()))
                .receiptHandle(m.receiptHandle())));
    }

    static List<Delivery> deliveries(List<Message> messages) {
        return messages.stream().map(m -> new Delivery(m.messageId(), m.body(), 1)).toList();
    }

    static boolean isEvent(Message m) {
        return m.body().startsWith("{\"Records\"");
    }

    ListerService lister(Map<String, String> env, Clock clock) {
        ListerConfig c = ListerConfig.fromEnv(env);
        return ListerWiring.service(c, s3, sqs, ListerWiring.metricsLogPublisher(temp.resolve("lister-metrics.log"), clock),
                clock);
    }

    ListerState state() {
        return files.exists(LAYOUT.listerStateKey())
                ? ListerState.decode(s3.getObjectAsBytes(b -> b.bucket(bucket).key(LAYOUT.listerStateKey())).asByteArray())
                : ListerState.empty();
    }

    @Test
    void emulator_putCopyAndMultipartIntoIncoming_eachSendOneAwsShapedEventWhoseKeySurvivesByteForByte() {
        eventsOn();
        Map<String, String> etags = new HashMap<>();
        for (String key : AWKWARD) {
            etags.put(key, files.put(key, "x"));
        }
        files.put("processed/source.csv", "copied");
        s3.copyObject(b -> b.sourceBucket(bucket).sourceKey("processed/source.csv").destinationBucket(bucket)
                .destinationKey("incoming/copied +.csv"));
        etags.put("incoming/copied +.csv", s3.headObject(b -> b.bucket(bucket).key("incoming/copied +.csv")).eTag());
        String multi = "incoming/multi part+%.bin";
        String upload = s3.createMultipartUpload(b -> b.bucket(bucket).key(multi)).uploadId();
        byte[] part = new byte[5 * 1024 * 1024];
        List<CompletedPart> parts = new ArrayList<>();
        for (int n = 1; n <= 2; n++) {
            int number = n;
            String etag = s3.uploadPart(b -> b.bucket(bucket).key(multi).uploadId(upload).partNumber(number),
                    RequestBody.fromBytes(number == 1 ? part : new byte[10])).eTag();
            parts.add(CompletedPart.builder().partNumber(n).eTag(etag).build());
        }
        s3.completeMultipartUpload(b -> b.bucket(bucket).key(multi).uploadId(upload).multipartUpload(u -> u.parts(parts)));
        etags.put(multi, s3.headObject(b -> b.bucket(bucket).key(multi)).eTag());

        List<Message> messages = receiveAll();

        // One message per object created under incoming/ (none for processed/source.csv), each a
        // record AWS would send: the key form-encoded, so "a b+c" arrives as "a+b%2Bc".
        assertThat(messages).hasSize(etags.size()).allMatch(EventFastPathTest::isEvent);
        assertThat(messages).anySatisfy(m -> assertThat(m.body()).contains("\"key\":\"incoming/a+b%2Bc.csv\"")
                .contains("\"eventName\":\"ObjectCreated:Put\""));
        assertThat(messages).anySatisfy(m -> assertThat(m.body()).contains("ObjectCreated:Copy"));
        assertThat(messages).anySatisfy(m -> assertThat(m.body()).contains("ObjectCreated:CompleteMultipartUpload"));
        Map<String, String> received = new HashMap<>();
        for (Message m : messages) {
            for (FileMessage f : QueueMessage.files(m.body())) {
                assertThat(f.bucket()).isEqualTo(bucket);
                received.put(f.key(), f.etag());
            }
        }
        assertThat(received).isEqualTo(etags);
        assertThat(received.get(multi)).endsWith("-2\"");
    }

    @Test
    void fastPath_fileDroppedIntoTheLocalRuntime_isProcessedWithNoListerDispatch() throws Exception {
        String key = "incoming/dropped now +%ü.csv";
        // The lister runs once at start (before the drop) and not again within the test.
        try (LocalRuntime rt = new LocalRuntime(new LocalRuntime.Options(null, 0, 0, 0, "fast-path", Duration.ofHours(1),
                temp), Map.of("EVENT_FAST_PATH", "true"))) {
            rt.s3().putObject(b -> b.bucket("fast-path").key(key), RequestBody.fromString("fast"));

            String processed = awaitObject(rt.s3(), "fast-path", "processed/dropped now +%ü.csv");
            // The move copies to processed/ first and deletes from incoming/ after: the delete may be a moment behind.
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (!rt.s3().listObjectsV2(b -> b.bucket("fast-path").prefix("incoming/")).contents().isEmpty()
                    && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }

            assertThat(processed).isEqualTo("fast");
            assertThat(rt.s3().listObjectsV2(b -> b.bucket("fast-path").prefix("incoming/")).contents()).isEmpty();
            assertThat(rt.s3().listObjectsV2(b -> b.bucket("fast-path").prefix(LAYOUT.listerStateKey())).contents()
                    .stream().map(S3Object::key).map(k -> ListerState.decode(rt.s3().getObjectAsBytes(
                            b -> b.bucket("fast-path").key(k)).asByteArray()).entries()))
                    .allMatch(Map::isEmpty);
        }
    }

    /** Waits, at most two minutes, for an object to appear; returns its content. */
    static String awaitObject(S3Client s3, String bucket, String key) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                return s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asUtf8String();
            } catch (NoSuchKeyException e) {
                Thread.sleep(200);
            }
        }
        throw new AssertionError(key + " did not appear in two minutes");
    }

    @Test
    void fastPath_sameVersionsByEventAndByLister_loadIntoPostgresOnce() throws Exception {
        String database = "events_" + bucket.replace("-", "_");
        String url = TestDatabase.create(database, LocalRuntime.SAMPLE_DDL);
        eventsOn();
        files.put("incoming/same batch +.csv", "id,name,amount,note\n1,a,1.5,x\n2,b,2.5,y\n");
        files.put("incoming/two batches %.csv", "id,name,amount,note\n3,c,3.5,z\n");
        Map<String, String> env = env("DESTINATION", "postgres", "DB_URL", url, "DB_USER", SharedServers.postgres().user(),
                "DB_PASSWORD", SharedServers.postgres().password(), "DB_TABLE", "demo_rows", "CSV_HEADER", "true",
                "DB_SSL_MODE", "disable");
        // The lister without the fast path sends both files too: each now has an event and a lister message.
        lister(env, Clock.systemUTC()).runOnce();
        List<Message> all = receiveAll();
        assertThat(all).hasSize(4);
        Message laterListerMessage = all.stream().filter(m -> !isEvent(m) && m.body().contains("two batches"))
                .findFirst().orElseThrow();
        List<Message> first = all.stream().filter(m -> m != laterListerMessage).toList();

        BatchOutcome once;
        BatchOutcome again;
        try (LoaderWiring loader = loader(env)) {
            once = loader.processor().process(deliveries(first));
            again = loader.processor().process(deliveries(List.of(laterListerMessage)));
        }

        assertThat(once.failedMessageIds()).isEmpty();
        assertThat(once.processed()).isEqualTo(2);
        assertThat(again.failedMessageIds()).isEmpty();
        assertThat(again.processed()).isZero();
        assertThat(files.get("processed/same batch +.csv")).startsWith("id,");
        assertThat(files.get("processed/two batches %.csv")).startsWith("id,");
        try (Connection c = DriverManager.getConnection(url, SharedServers.postgres().user(),
                SharedServers.postgres().password()); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT count(*), count(DISTINCT id) FROM demo_rows")) {
                rs.next();
                assertThat(rs.getLong(1)).as("rows").isEqualTo(3);
            }
            try (ResultSet rs = st.executeQuery("SELECT count(*), count(DISTINCT key) FROM s3loader_ledger")) {
                rs.next();
                assertThat(rs.getLong(1)).as("ledger rows").isEqualTo(2);
                assertThat(rs.getLong(2)).as("ledger keys").isEqualTo(2);
            }
        }
    }

    @Test
    void fastPath_sameVersionsByEventAndByLister_copyOnce() {
        s3.createBucket(b -> b.bucket(bucket + "-archive"));
        eventsOn();
        files.put("incoming/same batch +.csv", "one");
        files.put("incoming/two batches %.csv", "two");
        Map<String, String> env = env("DESTINATION_BUCKET", bucket + "-archive", "DESTINATION_PREFIX", "archive/");
        lister(env, Clock.systemUTC()).runOnce();
        List<Message> all = receiveAll();
        assertThat(all).hasSize(4);
        Message laterEvent = all.stream().filter(m -> isEvent(m) && m.body().contains("two+batches"))
                .findFirst().orElseThrow();

        BatchOutcome once;
        BatchOutcome again;
        try (LoaderWiring loader = loader(env)) {
            once = loader.processor().process(deliveries(all.stream().filter(m -> m != laterEvent).toList()));
            again = loader.processor().process(deliveries(List.of(laterEvent)));
        }

        assertThat(once.processed()).isEqualTo(2);
        assertThat(again.processed()).isZero();
        assertThat(again.failedMessageIds()).isEmpty();
        assertThat(s3.listObjectsV2(b -> b.bucket(bucket + "-archive")).contents()).extracting(S3Object::key)
                .containsExactlyInAnyOrder("archive/same batch +.csv", "archive/two batches %.csv");
        assertThat(s3.listObjectsV2(b -> b.bucket(bucket).prefix("processed/")).contents()).extracting(S3Object::key)
                .containsExactlyInAnyOrder("processed/same batch +.csv", "processed/two batches %.csv");
        assertThat(s3.listObjectsV2(b -> b.bucket(bucket).prefix("incoming/")).contents()).isEmpty();
    }

    @Test
    void fastPath_listerLeavesAYoungFileToItsEventAndSendsAMissedEventOnlyAfterTheGrace() {
        Map<String, String> env = env("EVENT_FAST_PATH", "true", "EVENT_GRACE_MINUTES", "5");
        eventsOn();
        files.put("incoming/young.csv", "young");
        SharedServers.s3().events().off(bucket);
        files.put("incoming/missed event.csv", "missed");
        Instant now = Instant.now();

        lister(env, Clock.fixed(now, ZoneOffset.UTC)).runOnce();
        List<Message> first = receiveAll();

        assertThat(first).as("only young.csv's own event; the lister sent nothing").singleElement()
                .satisfies(m -> assertThat(QueueMessage.files(m.body())).extracting(FileMessage::key)
                        .containsExactly("incoming/young.csv"));
        assertThat(state().entries()).isEmpty();
        try (LoaderWiring loader = loader(env)) {
            assertThat(loader.processor().process(deliveries(first)).processed()).isEqualTo(1);
        }
        delete(first);

        lister(env, Clock.fixed(now.plus(Duration.ofMinutes(6)), ZoneOffset.UTC)).runOnce();
        List<Message> later = receiveAll();

        assertThat(later).as("the missed event, sent by the lister once the grace passed").singleElement()
                .satisfies(m -> assertThat(FileMessage.fromJson(m.body()).key()).isEqualTo("incoming/missed event.csv"));
        assertThat(state().entries()).containsOnlyKeys("incoming/missed event.csv");
        try (LoaderWiring loader = loader(env)) {
            assertThat(loader.processor().process(deliveries(later)).processed()).isEqualTo(1);
        }
        assertThat(files.get("processed/young.csv")).isEqualTo("young");
        assertThat(files.get("processed/missed event.csv")).isEqualTo("missed");
    }

    @Test
    void fastPath_listerMessageLostWhileEventTrafficFillsTheQueue_isDispatchedAgain_andEveryFileLoadsOnce() {
        // Arrange: the grace is 5 minutes, a lost message is looked for after 10.
        Map<String, String> env = env("EVENT_FAST_PATH", "true", "EVENT_GRACE_MINUTES", "5", "REQUEUE_AFTER_MINUTES", "10");
        files.put("incoming/missed event.csv", "missed");
        Instant now = Instant.now();
        // The event was missed: the first run past the grace sends the file (the grace plus a schedule period).
        lister(env, Clock.fixed(now.plus(Duration.ofMinutes(6)), ZoneOffset.UTC)).runOnce();
        List<Message> sent = receiveAll(queueUrl);
        assertThat(sent).as("the lister's message for the missed event").singleElement()
                .satisfies(m -> assertThat(FileMessage.fromJson(m.body()).key()).isEqualTo("incoming/missed event.csv"));
        // ... and that message is lost (deleted without its file moving: a crash, a purge, an operator).
        delete(sent);
        // Meanwhile files keep arriving, each with its event, and the fleet is behind: the events wait.
        eventsOn();
        for (int i = 0; i < 3; i++) {
            files.put("incoming/busy " + i + ".csv", "busy " + i);
        }

        // Act: the first run after REQUEUE_AFTER_MINUTES.
        lister(env, Clock.fixed(now.plus(Duration.ofMinutes(17)), ZoneOffset.UTC)).runOnce();

        // Assert: the lost message is found and the file sent again; then everything loads exactly once.
        List<Message> all = receiveAll();
        assertThat(all.stream().filter(m -> !isEvent(m)).map(m -> FileMessage.fromJson(m.body()).key()))
                .as("keys of the lister's messages in the second run").contains("incoming/missed event.csv");
        assertThat(state().entries().get("incoming/missed event.csv").attempts()).as("dispatches of the lost file")
                .isEqualTo(2);
        try (LoaderWiring loader = loader(env)) {
            assertThat(loader.processor().process(deliveries(all)).failedMessageIds()).isEmpty();
        }
        assertThat(files.get("processed/missed event.csv")).isEqualTo("missed");
        for (int i = 0; i < 3; i++) {
            assertThat(files.get("processed/busy " + i + ".csv")).isEqualTo("busy " + i);
        }
        assertThat(s3.listObjectsV2(b -> b.bucket(bucket).prefix("incoming/")).contents()).isEmpty();
    }
}
