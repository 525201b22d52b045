package dev.s3loader.loader;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3loader.clients.AwsClients;
import dev.s3loader.clients.NoExpectContinueInterceptor;
import dev.s3loader.embedded.SharedServers;
import dev.s3loader.embedded.fixtures.TestBucket;
import dev.s3loader.loader.testkit.FaultyCalls;
import dev.s3loader.model.FileMessage;
import dev.s3loader.model.Layout;
import dev.s3loader.model.LoaderConfig;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CopyObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * The file lifecycle against the embedded S3 server, with chosen calls failing as S3 fails when it
 * throttles: failed/ only ever receives files that can never load.
 */
class LifecycleTest {
    private static final Layout LAYOUT = Layout.defaults();
    private static final FaultyCalls FAULTS = new FaultyCalls();
    private static S3Client s3;
    private static S3Client faultyS3;
    private static String bucket;
    private static TestBucket files;
    private static TestBucket archive;

    @BeforeAll
    static void setUp() {
        s3 = SharedServers.s3().newClient();
        faultyS3 = SharedServers.s3().newClientBuilder()
                .overrideConfiguration(AwsClients.retries().toBuilder()
                        .addExecutionInterceptor(NoExpectContinueInterceptor.INSTANCE)
                        .addExecutionInterceptor(FAULTS).build())
                .build();
        bucket = "lifecycle-" + UUID.randomUUID().toString().substring(0, 8);
        s3.createBucket(b -> b.bucket(bucket));
        s3.createBucket(b -> b.bucket(bucket + "-archive"));
        files = new TestBucket(s3, bucket);
        archive = new TestBucket(s3, bucket + "-archive");
    }

    @AfterAll
    static void tearDown() {
        faultyS3.close();
        s3.close();
    }

    @AfterEach
    void clearFaults() {
        FAULTS.clear();
    }

    private LoaderWiring loader(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(Map.of("BUCKET", bucket, "MAX_RECEIVE_COUNT", "5"));
        env.putAll(extra);
        return new LoaderWiring(LoaderConfig.fromEnv(env), new LoaderWiring.Clients(faultyS3, () -> {
            throw new IllegalStateException("not used");
        }), line -> { }, Clock.systemUTC());
    }

    private static Delivery delivery(FileMessage m, int receiveCount) {
        return new Delivery(UUID.randomUUID().toString(), m.toJson(), receiveCount);
    }

    @Test
    void process_transientLoadFailureOnTheLastReceive_waitsInIncomingNeverFailed() {
        FileMessage m = files.drop("incoming/outage/a.csv", "1,a\n");
        Delivery last = delivery(m, 5);

        BatchOutcome out;
        // The archive bucket does not exist: every load attempt fails, as in a long outage.
        try (LoaderWiring loader = loader(Map.of("DESTINATION_BUCKET", bucket + "-missing"))) {
            out = loader.processor().process(List.of(last));
        }

        assertThat(out.failedMessageIds()).containsExactly(last.messageId());
        assertThat(out.failed()).isZero();
        assertThat(files.exists(m.key())).isTrue();
        assertThat(files.exists("failed/outage/a.csv")).isFalse();
        assertThat(files.exists(LAYOUT.errorReportKey(m.key()))).isFalse();
    }

    @Test
    void process_loadedButMoveThrottledOnTheLastReceive_neverGoesToFailed() {
        FileMessage m = files.drop("incoming/throttled/a.csv", "1,a\n");
        FAULTS.fail(r -> r instanceof CopyObjectRequest c && c.destinationBucket().equals(bucket)
                && c.destinationKey().startsWith("processed/"));
        Delivery last = delivery(m, 5);

        BatchOutcome out;
        try (LoaderWiring loader = loader(Map.of("DESTINATION_BUCKET", bucket + "-archive"))) {
            out = loader.processor().process(List.of(last));
        }

        assertThat(FAULTS.refused()).isPositive();
        // Loaded into the archive, so it may only ever move to processed/: it waits for the next delivery.
        assertThat(archive.exists("processed/throttled/a.csv")).isTrue();
        assertThat(out.failedMessageIds()).containsExactly(last.messageId());
        assertThat(files.exists("failed/throttled/a.csv")).isFalse();
        assertThat(files.exists(m.key())).isTrue();

        FAULTS.clear();
        try (LoaderWiring loader = loader(Map.of("DESTINATION_BUCKET", bucket + "-archive"))) {
            out = loader.processor().process(List.of(delivery(m, 6)));
        }
        assertThat(out.processed()).isEqualTo(1);
        assertThat(files.exists("processed/throttled/a.csv")).isTrue();
        assertThat(files.exists(m.key())).isFalse();
    }

    @Test
    void process_reportWriteFails_fileStaysInOnePlaceWithItsReasonLogged() {
        // A key that cannot fit processed/ can never load: it goes to failed/ with a report.
        String key = "incoming/" + "r".repeat(1024 - "incoming/".length() - 3) + "/ab";
        FileMessage m = files.drop(key, "x");
        FAULTS.fail(r -> r instanceof PutObjectRequest p && p.key().startsWith(LAYOUT.reportsPrefix()));
        List<String> logged = new ArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                logged.add(record.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger root = Logger.getLogger("dev.s3loader");
        root.addHandler(capture);
        BatchOutcome out;
        try (LoaderWiring loader = loader(Map.of())) {
            out = loader.processor().process(List.of(delivery(m, 1)));
        } finally {
            root.removeHandler(capture);
        }

        assertThat(FAULTS.refused()).isPositive();
        assertThat(out.failedMessageIds()).hasSize(1);
        assertThat(files.exists(key)).isTrue();
        assertThat(files.exists(LAYOUT.failedKey(key).orElseThrow())).isFalse();
        assertThat(logged).anyMatch(line -> line.contains("key too long for processed/") && line.contains("/ab"));

        FAULTS.clear();
        try (LoaderWiring loader = loader(Map.of())) {
            out = loader.processor().process(List.of(delivery(m, 2)));
        }
        assertThat(out.failed()).isEqualTo(1);
        assertThat(files.exists(key)).isFalse();
        assertThat(files.exists(LAYOUT.failedKey(key).orElseThrow())).isTrue();
        assertThat(files.exists(LAYOUT.errorReportKey(key))).isTrue();
    }
}
