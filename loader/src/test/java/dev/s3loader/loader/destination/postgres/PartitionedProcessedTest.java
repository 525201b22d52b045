package dev.s3loader.loader.destination.postgres;

import static dev.s3loader.loader.destination.postgres.Harness.csv;
import static dev.s3loader.loader.destination.postgres.Harness.delivery;
import static org.assertj.core.api.Assertions.assertThat;

import dev.s3loader.loader.BatchOutcome;
import dev.s3loader.loader.LoaderWiring;
import dev.s3loader.loader.Step;
import dev.s3loader.model.ErrorReport;
import dev.s3loader.model.FileMessage;
import dev.s3loader.model.Layout;
import dev.s3loader.model.LoaderConfig;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * PROCESSED_KEY_TEMPLATE against the real S3 server and PostgreSQL: files move to
 * processed/&lt;UTC date&gt;/&lt;key&gt; byte for byte, and a retry after a crash between the copy and
 * the delete finds the same key, whichever time the template takes.
 */
class PartitionedProcessedTest {
    private static final String TEMPLATE = "{yyyy}/{MM}/{dd}/{key}";
    private static final String HIVE = "year={yyyy}/month={MM}/day={dd}/hour={HH}/{key}";
    private static final List<String> AWKWARD = List.of("a b.csv", "q'uo\"te.csv", "plus+pct%41.csv", "ünï/😀.csv",
            "ctl\u0001\r\tx.csv", "trailing .csv ", "a//b.csv");
    private static Harness h;

    @BeforeAll
    static void start() {
        h = new Harness("partitioned_processed_test");
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    private static Instant lastModified(String key) {
        return h.s3.headObject(b -> b.bucket(h.bucket).key(key)).lastModified();
    }

    private static String dated(String pattern, Instant at) {
        return DateTimeFormatter.ofPattern(pattern).withZone(ZoneOffset.UTC).format(at);
    }

    private static LoaderWiring loader(Map<String, String> env, Step dieAt) {
        return new LoaderWiring(LoaderConfig.fromEnv(env), new LoaderWiring.Clients(h.s3, () -> {
            throw new IllegalStateException("no Redshift here");
        }), line -> { }, Clock.systemUTC(), (step, file) -> {
            if (step == dieAt) {
                throw new IllegalStateException("worker dies at " + step);
            }
        });
    }

    /** The processed/ keys whose relative key is {@code rel}, under any partition. */
    private static List<String> processedCopies(Layout layout, String rel) {
        return h.keys(layout.processed()).stream().filter(k -> layout.relativeOfProcessed(k).equals(java.util.Optional.of(rel)))
                .toList();
    }

    @Test
    void copyPipeline_template_movesAwkwardKeysUnderTheirLastModifiedDateByteForByte() {
        Map<String, String> env = h.env("DESTINATION", "copy", "PROCESSED_KEY_TEMPLATE", TEMPLATE);
        Layout layout = LoaderConfig.fromEnv(env).layout();
        List<FileMessage> files = new ArrayList<>();
        for (String rel : AWKWARD) {
            // The message's lastModified is not the object's (another path may fill it so): the key must not follow it.
            files.add(h.put("incoming/copy/" + rel, "1,x,1\n").withLastModified(Instant.parse("2001-02-03T04:05:06Z")));
        }
        List<Instant> times = files.stream().map(f -> lastModified(f.key())).toList();

        BatchOutcome out;
        try (LoaderWiring loader = h.loader(env)) {
            out = loader.processor().process(files.stream().map(Harness::delivery).toList());
        }

        assertThat(out.failedMessageIds()).isEmpty();
        assertThat(out.processed()).isEqualTo(AWKWARD.size());
        for (int i = 0; i < AWKWARD.size(); i++) {
            String expected = "processed/" + dated("yyyy/MM/dd/", times.get(i)) + "copy/" + AWKWARD.get(i);
            assertThat(h.keys("processed/")).contains(expected);
            assertThat(h.s3.getObjectAsBytes(b -> b.bucket(h.bucket).key(expected)).asUtf8String()).isEqualTo("1,x,1\n");
            assertThat(layout.relativeOfProcessed(expected)).contains("copy/" + AWKWARD.get(i));
        }
        assertThat(h.keys("incoming/copy/")).isEmpty();
    }

    @Test
    void copyPipeline_workerDiesBetweenCopyAndDelete_retryUsesTheSameKeyOnce() {
        Map<String, String> env = h.env("DESTINATION", "copy", "PROCESSED_KEY_TEMPLATE", HIVE);
        Layout layout = LoaderConfig.fromEnv(env).layout();
        FileMessage f = h.put("incoming/crash-copy/a.csv", "1,x,1\n");
        String expected = "processed/" + dated("'year='yyyy/'month='MM/'day='dd/'hour='HH/", lastModified(f.key()))
                + "crash-copy/a.csv";

        try (LoaderWiring dying = loader(env, Step.COPIED)) {
            assertThat(dying.processor().process(List.of(delivery(f))).failedMessageIds()).hasSize(1);
        }
        assertThat(h.keys("incoming/crash-copy/")).hasSize(1);
        // The redelivery names another lastModified (a re-dispatch from another listing, say): same key all the same.
        BatchOutcome retry;
        try (LoaderWiring loader = h.loader(env)) {
            retry = loader.processor().process(List.of(delivery(f.withLastModified(Instant.EPOCH))));
        }

        assertThat(retry.processed()).isEqualTo(1);
        assertThat(processedCopies(layout, "crash-copy/a.csv")).containsExactly(expected);
        assertThat(h.keys("incoming/crash-copy/")).isEmpty();
    }

    @Test
    void copyToArchive_template_archiveKeyIsPartitionedToo() {
        String archive = h.bucket + "-archive";
        dev.s3loader.embedded.SharedServers.s3().createBucket(archive);
        Map<String, String> env = h.env("DESTINATION", "copy", "DESTINATION_BUCKET", archive, "DESTINATION_PREFIX",
                "archive/", "PROCESSED_KEY_TEMPLATE", TEMPLATE);
        FileMessage f = h.put("incoming/archive/a b.csv", "1,x,1\n");
        String date = dated("yyyy/MM/dd/", lastModified(f.key()));

        try (LoaderWiring loader = h.loader(env)) {
            assertThat(loader.processor().process(List.of(delivery(f))).processed()).isEqualTo(1);
        }

        assertThat(h.s3.headObject(b -> b.bucket(archive).key("archive/" + date + "archive/a b.csv")).eTag())
                .isEqualTo(f.etag());
        assertThat(h.keys("processed/" + date + "archive/")).containsExactly("processed/" + date + "archive/a b.csv");
    }

    @Test
    void keyTooLongForTheTemplate_goesToFailedWithAReadableReasonOnce() {
        Map<String, String> env = h.env("DESTINATION", "copy", "PROCESSED_KEY_TEMPLATE", TEMPLATE);
        // processed/<rel> would be exactly 1,024 bytes: it fits without the template, not with its 11 bytes.
        String rel = "long/" + "k".repeat(Layout.MAX_KEY_BYTES - "processed/".length() - "long/".length());
        FileMessage f = h.put("incoming/" + rel, "1,x,1\n");

        BatchOutcome out;
        try (LoaderWiring loader = h.loader(env)) {
            out = loader.processor().process(List.of(delivery(f)));
        }

        assertThat(out.failedMessageIds()).as("never handed back to loop").isEmpty();
        assertThat(out.failed()).isEqualTo(1);
        assertThat(h.keys("failed/long/")).containsExactly("failed/" + rel);
        ErrorReport report = h.report(Layout.defaults().errorReportKey(f.key()));
        assertThat(report.reason()).contains("key too long for processed/").contains("1035 bytes")
                .contains("PROCESSED_KEY_TEMPLATE '" + TEMPLATE + "'");
    }

    @Test
    void producerOverwritesAKey_eachVersionLoadsOnceAndTheNewOneIsWhatProcessedHoldsForItsDate() {
        h.sql("DROP TABLE IF EXISTS t_over; CREATE TABLE t_over (id int NOT NULL, name text, amount int)");
        Map<String, String> env = h.env("DB_TABLE", "t_over", "DB_LEDGER_TABLE", "t_over_ledger",
                "PROCESSED_KEY_TEMPLATE", TEMPLATE);
        Layout layout = LoaderConfig.fromEnv(env).layout();
        try (LoaderWiring loader = h.loader(env)) {
            FileMessage v1 = h.put("incoming/over/k.csv", csv(1, 2));
            assertThat(loader.processor().process(List.of(delivery(v1))).processed()).isEqualTo(1);
            FileMessage v2 = h.put("incoming/over/k.csv", csv(10, 3));
            String v2Key = "processed/" + dated("yyyy/MM/dd/", lastModified(v2.key())) + "over/k.csv";
            assertThat(loader.processor().process(List.of(delivery(v2))).processed()).isEqualTo(1);

            // Both versions are in the table and the ledger once each; processed/ holds the newest
            // under its own date (an older version under an older date stays there; see the audit).
            assertThat(h.count("SELECT count(*) FROM t_over")).isEqualTo(5);
            assertThat(h.count("SELECT count(*) FROM t_over_ledger")).isEqualTo(2);
            assertThat(processedCopies(layout, "over/k.csv")).contains(v2Key);
            assertThat(h.s3.headObject(b -> b.bucket(h.bucket).key(v2Key)).eTag()).isEqualTo(v2.etag());
        }
    }

    @Test
    void postgresPipeline_loadTime_keyTakesTheLedgersLoadedAtAndARetryFindsTheSameKey() {
        h.sql("DROP TABLE IF EXISTS t_loadtime; CREATE TABLE t_loadtime (id int NOT NULL, name text, amount int)");
        Map<String, String> env = h.env("DB_TABLE", "t_loadtime", "DB_LEDGER_TABLE", "t_loadtime_ledger",
                "PROCESSED_KEY_TEMPLATE", HIVE, "PROCESSED_KEY_TIME", "load");
        Layout layout = LoaderConfig.fromEnv(env).layout();
        List<FileMessage> files = new ArrayList<>();
        for (String rel : AWKWARD) {
            files.add(h.put("incoming/loadtime/" + rel, csv(files.size() * 10, 2)));
        }

        // The load commits, then the worker dies after the first copy to processed/.
        try (LoaderWiring dying = loader(env, Step.COPIED)) {
            dying.processor().process(files.stream().map(Harness::delivery).toList());
        }
        BatchOutcome retry;
        try (LoaderWiring loader = h.loader(env)) {
            retry = loader.processor().process(files.stream().map(Harness::delivery).toList());
        }

        assertThat(retry.failedMessageIds()).isEmpty();
        assertThat(h.count("SELECT count(*) FROM t_loadtime")).isEqualTo(2L * AWKWARD.size());
        assertThat(h.keys("incoming/loadtime/")).isEmpty();
        for (String rel : AWKWARD) {
            String loadedAt = h.one("SELECT to_char(loaded_at AT TIME ZONE 'UTC', '\"year=\"YYYY/\"month=\"MM/\"day=\"DD/\"hour=\"HH24/')"
                    + " FROM t_loadtime_ledger WHERE key = '" + ("incoming/loadtime/" + rel).replace("'", "''") + "'");
            assertThat(processedCopies(layout, "loadtime/" + rel)).containsExactly("processed/" + loadedAt + "loadtime/" + rel);
        }
    }
}
