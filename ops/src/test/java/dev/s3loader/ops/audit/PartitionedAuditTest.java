package dev.s3loader.ops.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3loader.embedded.EmbeddedPostgres;
import dev.s3loader.embedded.EmbeddedS3;
import dev.s3loader.embedded.SharedServers;
import dev.s3loader.loader.destination.postgres.PostgresLedger;
import dev.s3loader.model.Env;
import dev.s3loader.model.ErrorReport;
import dev.s3loader.model.Layout;
import dev.s3loader.model.TableName;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The audit on a bucket whose processed/ is partitioned by PROCESSED_KEY_TEMPLATE, on the real
 * embedded S3 and PostgreSQL: processed keys are listed by date first, yet each joins its incoming
 * key and its ledger row; the same version under two dates is caught.
 */
class PartitionedAuditTest {
    private static final Layout LAYOUT = Layout.fromEnv(new Env(Map.of("PROCESSED_KEY_TEMPLATE",
            "year={yyyy}/month={MM}/day={dd}/{key}")));
    private final EmbeddedS3 server = SharedServers.s3();
    private final EmbeddedPostgres postgres = SharedServers.postgres();
    private final String bucket = "audit-part-" + UUID.randomUUID().toString().substring(0, 8);
    private final String ledger = "ledger_part_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
    private S3Client s3;

    @BeforeEach
    void setUp() {
        server.createBucket(bucket);
        s3 = server.newClient();
        sql("CREATE TABLE " + ledger + " (key text NOT NULL, etag text NOT NULL, size bigint NOT NULL, batch_id text NOT NULL,"
                + " row_count bigint, loaded_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (key, etag))");
    }

    @AfterEach
    void tearDown() {
        s3.close();
    }

    private String put(String key, String content) {
        return s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromString(content)).eTag();
    }

    /** A file loaded on {@code day}: under its partition in processed/, with its ledger row. */
    private void processed(String day, String rel, String content) {
        String etag = put(LAYOUT.processedKey(LAYOUT.incoming() + rel, Instant.parse(day + "T12:00:00Z")).orElseThrow(), content);
        try (Connection c = postgres.connect();
             PreparedStatement st = c.prepareStatement("INSERT INTO " + ledger + " (key, etag, size, batch_id) VALUES (?, ?, 1, 'b')")) {
            st.setString(1, LAYOUT.incoming() + rel);
            st.setString(2, etag);
            st.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private void sql(String statement) {
        try (Connection c = postgres.connect(); Statement st = c.createStatement()) {
            st.execute(statement);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private AuditReport audit(int pageSize) {
        try (PostgresLedger reader = new PostgresLedger(postgres.connect(), TableName.parse("ledger", ledger), 100)) {
            return new Audit(s3, bucket, LAYOUT, Optional.of(reader), new Audit.Settings(20, pageSize, 5, Duration.ofMinutes(60)),
                    Clock.systemUTC()).run();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Relative keys in the reverse order of their dates, so listing order and key order disagree everywhere. */
    private void healthyPartitionedBucket() {
        String[] rels = {"a.csv", "b/ü 😀.csv", "c'q\"+%41.csv", "d/ctl\u0001\r\t trailing ", "e.csv", "f.csv"};
        String[] days = {"2026-12-31", "2026-11-30", "2026-02-01", "2025-12-31", "2025-01-01", "2024-06-15"};
        for (int i = 0; i < rels.length; i++) {
            processed(days[i], rels[i], "content " + i + "\n");
        }
        put(LAYOUT.incoming() + "a0-waiting.csv", "w\n");
        put(LAYOUT.incoming() + "zz-waiting.csv", "w\n");
        String failedRel = "c-bad.csv";
        String etag = put(LAYOUT.failed() + failedRel, "bad\n");
        put(LAYOUT.errorReportKey(LAYOUT.incoming() + failedRel), new ErrorReport(LAYOUT.incoming() + failedRel, etag,
                LAYOUT.failed() + failedRel, "bad row", 1, Instant.EPOCH, Map.of()).toJson());
    }

    @Test
    void audit_partitionedHealthyBucket_joinsEveryProcessedKeyToItsLedgerRowAndHolds() {
        healthyPartitionedBucket();

        AuditReport report = audit(2);

        assertThat(report.holds()).as(JsonReport.toJson(report)).isTrue();
        assertThat(report.findings()).isEmpty();
        assertThat(report.processedFiles()).isEqualTo(6);
        assertThat(report.ledgerRows()).isEqualTo(6);
        assertThat(report.incomingFiles()).isEqualTo(2);
        assertThat(report.failed().count()).isEqualTo(1);
        // One head per partition (six) plus the other sources: bounded by partitions, not files.
        assertThat(report.peakJoinEntries()).isLessThanOrEqualTo(6 + 4);
    }

    @Test
    void audit_sameVersionUnderTwoDates_isCaughtAsProcessedTwice() {
        healthyPartitionedBucket();
        // A retry that took another time for the same version: the bytes are in processed/ twice.
        String twice = LAYOUT.processedKey(LAYOUT.incoming() + "e.csv", Instant.parse("2026-11-30T00:00:00Z")).orElseThrow();
        put(twice, "content 4\n");

        AuditReport report = audit(1000);

        assertThat(report.holds()).isFalse();
        assertThat(report.findings()).containsOnlyKeys(FindingKind.PROCESSED_TWICE);
        assertThat(report.findings().get(FindingKind.PROCESSED_TWICE).shown()).singleElement()
                .satisfies(e -> assertThat(e.key()).isEqualTo(LAYOUT.incoming() + "e.csv"))
                .satisfies(e -> assertThat(e.detail()).contains("year=2026/month=11/day=30/e.csv")
                        .contains("year=2025/month=01/day=01/e.csv"));
    }

    @Test
    void audit_producerOverwroteAKeyAndEachVersionLandedUnderItsOwnDate_holds() {
        healthyPartitionedBucket();
        processed("2027-01-02", "a.csv", "a, version 2\n");

        AuditReport report = audit(1000);

        assertThat(report.holds()).as(JsonReport.toJson(report)).isTrue();
        assertThat(report.processedFiles()).isEqualTo(7);
        assertThat(report.findings()).containsOnlyKeys(FindingKind.LOADED_SEVERAL_VERSIONS);
    }

    @Test
    void audit_processedFileWrittenBeforeTheTemplate_isJoinedByItsOldKeyAndNoted() {
        healthyPartitionedBucket();
        processed("2026-01-01", "legacy-placeholder", "x\n"); // keeps the ledger join busy around it
        String legacy = "old/legacy.csv";
        String etag = put(LAYOUT.processed() + legacy, "legacy\n");
        sql("INSERT INTO " + ledger + " (key, etag, size, batch_id) VALUES ('" + LAYOUT.incoming() + legacy + "', '"
                + etag.replace("'", "''") + "', 1, 'b')");

        AuditReport report = audit(1000);

        assertThat(report.holds()).as(JsonReport.toJson(report)).isTrue();
        assertThat(report.processedFiles()).isEqualTo(8);
        assertThat(report.findings()).containsOnlyKeys(FindingKind.PROCESSED_OUTSIDE_TEMPLATE);
    }
}
