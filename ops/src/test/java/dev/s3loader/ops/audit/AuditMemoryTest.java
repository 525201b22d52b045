package dev.s3loader.ops.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3loader.embedded.EmbeddedPostgres;
import dev.s3loader.embedded.EmbeddedS3;
import dev.s3loader.embedded.SharedServers;
import dev.s3loader.loader.destination.postgres.PostgresLedger;
import dev.s3loader.model.ErrorReport;
import dev.s3loader.model.Layout;
import dev.s3loader.model.TableName;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;

/**
 * The audit's memory does not grow with the bucket: it is measured, not inferred from the result.
 * Two buckets on the real embedded S3 (one ten times the other; a million files would take the embedded
 * server too long to write), listed in pages of 100, joined
 * with a ledger read through a cursor: the join's peak of held entries is the same small number
 * for both, while every file and row is counted.
 */
class AuditMemoryTest {
    private static final Layout LAYOUT = Layout.defaults();
    private final EmbeddedS3 server = SharedServers.s3();
    private final EmbeddedPostgres postgres = SharedServers.postgres();

    /** Counts the LIST requests the audit makes, to show the listing really pages. */
    private static final class ListCounter implements ExecutionInterceptor {
        final AtomicInteger lists = new AtomicInteger();

        @Override
        public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
            if (context.request() instanceof ListObjectsV2Request) {
                lists.incrementAndGet();
            }
        }
    }

    private record Measured(AuditReport report, int listRequests) {
    }

    @Test
    void audit_tenTimesTheFiles_holdsTheSameFewEntriesInItsJoin() throws Exception {
        Measured small = auditBucketOf(400);
        Measured large = auditBucketOf(4_000);

        assertThat(small.report().processedFiles()).isEqualTo(320);
        assertThat(large.report().processedFiles()).isEqualTo(3_200);
        assertThat(large.report().incomingFiles()).isEqualTo(400);
        assertThat(large.report().failed().count()).isEqualTo(80);
        assertThat(large.report().ledgerRows()).isEqualTo(3_200);
        assertThat(large.report().holds()).as(JsonReport.toJson(large.report())).isTrue();
        // Pages of 100: a LIST request per 100 keys of processed/ and incoming/ alone, so no page held the bucket.
        assertThat(large.listRequests()).isGreaterThanOrEqualTo(36);
        // One head per source and the rows of one key: the same at 400 and at 4,000 files.
        assertThat(small.report().peakJoinEntries()).isBetween(1, 8);
        assertThat(large.report().peakJoinEntries()).isEqualTo(small.report().peakJoinEntries());
        // What the report keeps is bounded by --keys, not by the bucket.
        assertThat(large.report().failed().shown()).hasSize(5);
        System.out.printf("audit memory: 400 files → peak %d join entries, %d LISTs; 4,000 files → peak %d, %d LISTs%n",
                small.report().peakJoinEntries(), small.listRequests(), large.report().peakJoinEntries(), large.listRequests());
    }

    /** 10 % in incoming/, 80 % in processed/ with a ledger row each, 2 % in failed/ with reports (the rest nowhere). */
    private Measured auditBucketOf(int files) throws Exception {
        String bucket = "audit-mem-" + UUID.randomUUID().toString().substring(0, 8);
        String ledger = "ledger_mem_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
        server.createBucket(bucket);
        int incoming = files / 10;
        int processed = files * 8 / 10;
        int failed = files / 50;
        try (S3Client s3 = server.newClient()) {
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<?>> puts = new ArrayList<>();
            for (int i = 0; i < files; i++) {
                String rel = String.format("p/%06d.csv", i);
                String stage = i < processed ? LAYOUT.processed() : i < processed + incoming ? LAYOUT.incoming()
                        : i < processed + incoming + failed ? LAYOUT.failed() : null;
                if (stage == null) {
                    continue;
                }
                boolean isFailed = stage.equals(LAYOUT.failed());
                puts.add(pool.submit(() -> {
                    s3.putObject(b -> b.bucket(bucket).key(stage + rel), RequestBody.fromString("x\n"));
                    if (isFailed) {
                        String key = LAYOUT.incoming() + rel;
                        s3.putObject(b -> b.bucket(bucket).key(LAYOUT.errorReportKey(key)), RequestBody.fromString(
                                new ErrorReport(key, "\"e\"", LAYOUT.failed() + rel, "bad row", 1, Instant.EPOCH, Map.of()).toJson()));
                    }
                }));
            }
            for (Future<?> p : puts) {
                p.get();
            }
            pool.shutdown();
        }
        try (Connection c = postgres.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE " + ledger + " (key text NOT NULL, etag text NOT NULL, size bigint NOT NULL, "
                    + "batch_id text NOT NULL, row_count bigint, loaded_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (key, etag))");
            st.execute("INSERT INTO " + ledger + " (key, etag, size, batch_id) SELECT 'incoming/p/' || lpad(i::text, 6, '0') "
                    + "|| '.csv', '\"e\"', 2, 'b' FROM generate_series(0, " + (processed - 1) + ") AS i");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        ListCounter counter = new ListCounter();
        try (S3Client s3 = server.newClientBuilder().overrideConfiguration(o -> o.addExecutionInterceptor(counter)).build();
             PostgresLedger reader = new PostgresLedger(postgres.connect(), TableName.parse("ledger", ledger), 100)) {
            AuditReport report = new Audit(s3, bucket, LAYOUT, Optional.of(reader),
                    new Audit.Settings(5, 100, 5, Duration.ofMinutes(60)), Clock.systemUTC()).run();
            return new Measured(report, counter.lists.get());
        }
    }
}
