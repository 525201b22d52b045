package dev.s3loader.loader;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3loader.clients.AwsClients;
import dev.s3loader.clients.NoExpectContinueInterceptor;
import dev.s3loader.embedded.SharedServers;
import dev.s3loader.model.FileMessage;
import dev.s3loader.model.LoaderConfig;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * What the copy destination asks S3 per file, counted on the loader's real client against the
 * embedded server: the copy is conditional on the etag (CopySourceIfMatch), so its 412 or 404
 * already says what a HEAD first would, and the HEAD is a billable request per file for nothing.
 * The outcomes of a replaced or vanished version stay those of the lifecycle.
 */
class CopyRequestsTest {
    private static final Map<String, AtomicInteger> CALLS = new ConcurrentHashMap<>();
    private static S3Client s3;
    private static S3Client countedS3;
    private static String bucket;

    @BeforeAll
    static void setUp() {
        s3 = SharedServers.s3().newClient();
        ExecutionInterceptor counter = new ExecutionInterceptor() {
            @Override
            public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                CALLS.computeIfAbsent(context.request().getClass().getSimpleName(), k -> new AtomicInteger()).incrementAndGet();
            }
        };
        countedS3 = SharedServers.s3().newClientBuilder()
                .overrideConfiguration(AwsClients.overrides().toBuilder()
                        .addExecutionInterceptor(NoExpectContinueInterceptor.INSTANCE)
                        .addExecutionInterceptor(counter).build())
                .build();
        bucket = "copy-requests-" + UUID.randomUUID().toString().substring(0, 8);
        s3.createBucket(b -> b.bucket(bucket));
        s3.createBucket(b -> b.bucket(bucket + "-archive"));
        // The store probe runs once per store and JVM; here, before any request is counted.
        try (LoaderWiring warm = new LoaderWiring(LoaderConfig.fromEnv(Map.of("BUCKET", bucket, "DESTINATION", "copy")),
                new LoaderWiring.Clients(countedS3, () -> {
                    throw new IllegalStateException("not used");
                }), line -> { }, Clock.systemUTC())) {
            warm.checkStore();
        }
    }

    @AfterAll
    static void tearDown() {
        countedS3.close();
        s3.close();
    }

    @BeforeEach
    void resetCounts() {
        CALLS.clear();
    }

    private static int calls(String request) {
        AtomicInteger n = CALLS.get(request);
        return n == null ? 0 : n.get();
    }

    private LoaderWiring loader(Map<String, String> extra) {
        return loader(extra, StepHook.NONE);
    }

    private LoaderWiring loader(Map<String, String> extra, StepHook hook) {
        Map<String, String> env = new HashMap<>(Map.of("BUCKET", bucket, "DESTINATION", "copy"));
        env.putAll(extra);
        return new LoaderWiring(LoaderConfig.fromEnv(env), new LoaderWiring.Clients(countedS3, () -> {
            throw new IllegalStateException("not used");
        }), line -> { }, Clock.systemUTC(), hook);
    }

    private FileMessage drop(String key, String content) {
        s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromString(content));
        String etag = s3.headObject(b -> b.bucket(bucket).key(key)).eTag();
        return new FileMessage(bucket, key, etag, content.length(), Instant.now());
    }

    private static Delivery delivery(FileMessage m) {
        return new Delivery(UUID.randomUUID().toString(), m.toJson(), 1);
    }

    private String content(String b, String key) {
        try {
            return s3.getObjectAsBytes(r -> r.bucket(b).key(key)).asUtf8String();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return null;
            }
            throw e;
        }
    }

    @Test
    void copyIsTheMove_noHeadPerFile_oneCopyPerFile_oneDeleteForTheBatch() {
        List<FileMessage> files = List.of(drop("incoming/move/a.csv", "a"), drop("incoming/move/b c.csv", "b"),
                drop("incoming/move/c.csv", "c"));
        CALLS.clear();

        BatchOutcome out;
        try (LoaderWiring loader = loader(Map.of())) {
            out = loader.processor().process(files.stream().map(CopyRequestsTest::delivery).toList());
        }

        assertThat(out.processed()).isEqualTo(3);
        assertThat(out.failedMessageIds()).isEmpty();
        assertThat(content(bucket, "processed/move/b c.csv")).isEqualTo("b");
        assertThat(content(bucket, "incoming/move/b c.csv")).isNull();
        assertThat(calls("HeadObjectRequest")).as("HEAD requests for 3 files").isZero();
        assertThat(calls("CopyObjectRequest")).isEqualTo(3);
        assertThat(calls("DeleteObjectsRequest")).as("one conditional DeleteObjects for the batch").isEqualTo(1);
        assertThat(calls("DeleteObjectRequest")).isZero();
    }

    /**
     * The batch's one DeleteObjects is conditional per key: a version replaced after its copy stays
     * in incoming/ (its new version has a message of its own), one deleted by someone else counts as
     * done, the others are deleted. Keys that an XML body cannot carry as they are (a control
     * character, a CR, which XML parsers turn into a LF) are deleted one by one.
     */
    @Test
    void batchDelete_isConditionalPerKey_replacedVersionStays_xmlUnsafeKeysOneByOne() {
        String replacedKey = "incoming/race/replaced.csv";
        String goneKey = "incoming/race/gone by now.csv";
        List<FileMessage> files = List.of(drop("incoming/race/a +%41 \u00e9.csv", "a"), drop(replacedKey, "old"),
                drop(goneKey, "g"), drop("incoming/race/cr\rtab\tctl\u0001.csv", "c"));
        StepHook race = (step, file) -> {
            if (step == Step.COPIED && file.key().equals(replacedKey)) {
                s3.putObject(b -> b.bucket(bucket).key(replacedKey), RequestBody.fromString("new version"));
            }
            if (step == Step.COPIED && file.key().equals(goneKey)) {
                s3.deleteObject(b -> b.bucket(bucket).key(goneKey));
            }
        };
        CALLS.clear();

        BatchOutcome out;
        try (LoaderWiring loader = loader(Map.of(), race)) {
            out = loader.processor().process(files.stream().map(CopyRequestsTest::delivery).toList());
        }

        assertThat(out.failedMessageIds()).isEmpty();
        assertThat(out.processed()).isEqualTo(3);
        assertThat(out.skipped()).isEqualTo(1);
        assertThat(content(bucket, replacedKey)).isEqualTo("new version");
        assertThat(content(bucket, "incoming/race/a +%41 \u00e9.csv")).isNull();
        assertThat(content(bucket, "processed/race/a +%41 \u00e9.csv")).isEqualTo("a");
        assertThat(content(bucket, "incoming/race/cr\rtab\tctl\u0001.csv")).isNull();
        assertThat(content(bucket, "processed/race/cr\rtab\tctl\u0001.csv")).isEqualTo("c");
        assertThat(content(bucket, "processed/race/gone by now.csv")).isEqualTo("g");
        assertThat(calls("DeleteObjectsRequest")).isEqualTo(1);
        // The XML-unsafe key, and the replaced one, whose batch error is confirmed by its own conditional delete.
        assertThat(calls("DeleteObjectRequest")).isEqualTo(2);
    }

    @Test
    void archiveBucket_noHeadPerFile() {
        List<FileMessage> files = List.of(drop("incoming/archive/a.csv", "a"), drop("incoming/archive/b.csv", "b"));
        CALLS.clear();

        BatchOutcome out;
        try (LoaderWiring loader = loader(Map.of("DESTINATION_BUCKET", bucket + "-archive"))) {
            out = loader.processor().process(files.stream().map(CopyRequestsTest::delivery).toList());
        }

        assertThat(out.processed()).isEqualTo(2);
        assertThat(content(bucket + "-archive", "processed/archive/a.csv")).isEqualTo("a");
        assertThat(content(bucket, "processed/archive/a.csv")).isEqualTo("a");
        assertThat(calls("HeadObjectRequest")).as("HEAD requests for 2 files").isZero();
        assertThat(calls("CopyObjectRequest")).isEqualTo(4);
    }

    /**
     * Keys are data in the DeleteObjects body too: a key with a trailing blank, or one that differs
     * from another only in its case or in blanks, deletes itself and never its neighbour, even with
     * the same content (the same etag, so the condition alone would not protect it).
     */
    @Test
    void batchDelete_keysThatDifferOnlyInBlanksOrCase_deleteOnlyThemselves() {
        List<FileMessage> files = List.of(drop("incoming/ws/a.csv ", "same"), drop("incoming/ws/ a.csv", "same"),
                drop("incoming/ws/A.CSV", "same"), drop("incoming/ws/<a>&amp;'\".csv", "same"));
        drop("incoming/ws/a.csv", "same");
        CALLS.clear();

        BatchOutcome out;
        try (LoaderWiring loader = loader(Map.of())) {
            out = loader.processor().process(files.stream().map(CopyRequestsTest::delivery).toList());
        }

        assertThat(out.processed()).isEqualTo(4);
        assertThat(calls("DeleteObjectsRequest")).isEqualTo(1);
        assertThat(content(bucket, "incoming/ws/a.csv")).as("the neighbour no message named").isEqualTo("same");
        for (FileMessage f : files) {
            assertThat(content(bucket, f.key())).as(f.key()).isNull();
            assertThat(content(bucket, "processed/" + f.key().substring("incoming/".length()))).as(f.key()).isEqualTo("same");
        }
    }

    /** The 412 of the conditional copy is the "overwritten" of the lifecycle: done, the new version untouched. */
    @Test
    void versionReplacedSinceTheMessage_412_newVersionStaysInIncomingAndTheMessageIsDone() {
        for (String archive : List.of(bucket, bucket + "-archive")) {
            String key = "incoming/replaced-" + archive.length() + "/a.csv";
            FileMessage old = drop(key, "old");
            drop(key, "new version");

            BatchOutcome out;
            try (LoaderWiring loader = loader(Map.of("DESTINATION_BUCKET", archive))) {
                out = loader.processor().process(List.of(delivery(old)));
            }

            String relative = key.substring("incoming/".length());
            assertThat(out.failedMessageIds()).isEmpty();
            assertThat(out.processed()).isZero();
            assertThat(out.skipped()).isEqualTo(1);
            assertThat(content(bucket, key)).isEqualTo("new version");
            assertThat(content(bucket, "processed/" + relative)).isNull();
            assertThat(content(bucket + "-archive", "processed/" + relative)).isNull();
        }
    }

    /** A redelivery after the move finished: the 404 of the copy says gone, nothing is written again. */
    @Test
    void alreadyMoved_redelivery_isDoneWithoutWriting() {
        FileMessage m = drop("incoming/again/a.csv", "a");
        try (LoaderWiring loader = loader(Map.of())) {
            assertThat(loader.processor().process(List.of(delivery(m))).processed()).isEqualTo(1);
            s3.putObject(b -> b.bucket(bucket).key("processed/again/a.csv"), RequestBody.fromString("marker"));

            BatchOutcome again = loader.processor().process(List.of(delivery(m)));

            assertThat(again.failedMessageIds()).isEmpty();
            assertThat(again.skipped()).isEqualTo(1);
        }
        assertThat(content(bucket, "processed/again/a.csv")).isEqualTo("marker");
    }
}
