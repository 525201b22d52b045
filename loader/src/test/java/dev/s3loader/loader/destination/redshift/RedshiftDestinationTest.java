package dev.s3loader.loader.destination.redshift;

import static dev.s3loader.loader.destination.postgres.Harness.csv;
import static dev.s3loader.loader.destination.postgres.Harness.deliveries;
import static dev.s3loader.loader.destination.postgres.Harness.deliverInBatches;
import static org.assertj.core.api.Assertions.assertThat;

import dev.s3loader.embedded.redshift.LocalRedshiftData;
import dev.s3loader.loader.BatchOutcome;
import dev.s3loader.loader.Loader;
import dev.s3loader.loader.destination.LoadResult;
import dev.s3loader.loader.destination.postgres.Harness;
import dev.s3loader.model.ErrorReport;
import dev.s3loader.model.FileMessage;
import dev.s3loader.model.LoaderConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.redshiftdata.RedshiftDataClient;

/**
 * The redshift destination end to end: the real SDK RedshiftDataClient against the local Data
 * API, which runs the statements on PostgreSQL and reads the manifests' files from S3Proxy.
 */
class RedshiftDestinationTest {
    private static final String ROLE = "arn:aws:iam::123456789012:role/s3loader-copy";
    private static Harness h;
    private static LocalRedshiftData redshift;
    private static RedshiftDataClient client;

    @BeforeAll
    static void start() {
        h = new Harness("rs_destination_test");
        redshift = LocalRedshiftData.start(h.pg, h.s3);
        client = redshift.newClient();
    }

    @AfterAll
    static void stop() {
        client.close();
        redshift.close();
        h.close();
    }

    private static void table(String name) {
        h.sql("DROP TABLE IF EXISTS " + name + "; CREATE TABLE " + name + " (id int NOT NULL, name varchar(40), amount int)");
    }

    private static Map<String, String> env(String table, String... kv) {
        Map<String, String> env = new HashMap<>(Map.of("BUCKET", h.bucket, "DESTINATION", "redshift",
                "REDSHIFT_WORKGROUP", "s3loader", "DB_NAME", h.database, "REDSHIFT_IAM_ROLE", ROLE,
                "DB_TABLE", table, "DB_LEDGER_TABLE", table + "_ledger"));
        for (int i = 0; i < kv.length; i += 2) {
            env.put(kv[i], kv[i + 1]);
        }
        return env;
    }

    private static Loader loader(String table, String... kv) {
        return h.loader(env(table, kv), () -> client);
    }

    @Test
    void batchesOfTen_csvAndGzip_exactCountLedgerAndNoManifestLeft() {
        // Arrange
        table("r_e2e");
        List<FileMessage> files = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            String key = "incoming/e2e/f" + i + (i % 3 == 0 ? ".csv.gz" : ".csv");
            files.add(i % 3 == 0 ? h.put(key, Harness.gzip(csv(i * 4, 4))) : h.put(key, csv(i * 4, 4)));
        }

        // Act
        List<BatchOutcome> outcomes = deliverInBatches(loader("r_e2e"), files, 10);

        // Assert
        assertThat(outcomes).allSatisfy(o -> assertThat(o.failedMessageIds()).isEmpty());
        assertThat(h.count("SELECT count(*) FROM r_e2e")).isEqualTo(120);
        assertThat(h.count("SELECT count(DISTINCT id) FROM r_e2e")).isEqualTo(120);
        assertThat(h.count("SELECT count(*) FROM r_e2e_ledger")).isEqualTo(30);
        assertThat(h.keys("processed/e2e/")).hasSize(30);
        assertThat(h.keys("_s3loader/manifests/")).isEmpty();
        assertThat(redshift.submittedSql()).noneMatch(sql -> sql.contains("incoming/e2e"));
    }

    @Test
    void failedCopy_isolatedToItsBadFile_withLineAndColumn() {
        // Arrange
        table("r_bad");
        List<FileMessage> files = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            files.add(h.put("incoming/bad/f" + i + ".csv", i == 4 ? "40,ok,1\n41,bad,x\n" : csv(i * 10, 3)));
        }

        // Act
        BatchOutcome outcome = loader("r_bad").processor().process(deliveries(files));

        // Assert
        assertThat(outcome.failedMessageIds()).isEmpty();
        assertThat(outcome.processed()).isEqualTo(9);
        assertThat(outcome.failed()).isEqualTo(1);
        assertThat(h.count("SELECT count(*) FROM r_bad")).isEqualTo(27);
        ErrorReport report = h.report("_s3loader/reports/keys/bad/f4.csv.error.json");
        assertThat(report.reason()).contains("line 2").contains("amount");
        assertThat(report.detail()).containsEntry("line", "2").containsEntry("column", "amount").containsEntry("errorCode", "1207");
        assertThat(h.count("SELECT count(*) FROM r_bad_ledger")).isEqualTo(9);
    }

    @Test
    void badFileNotNamedInTheErrorView_isFoundByBisection() {
        // Arrange: a path longer than file_name's 256 characters cannot be matched by name.
        table("r_bisect");
        String longDir = "incoming/bisect/" + "d".repeat(260) + "/";
        List<FileMessage> files = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            files.add(h.put(longDir + "f" + i + ".csv", i == 3 ? "1,x,notanumber\n" : csv(i * 10, 2)));
        }

        // Act
        BatchOutcome outcome = loader("r_bisect").processor().process(deliveries(files));

        // Assert
        assertThat(outcome.processed()).isEqualTo(5);
        assertThat(outcome.failed()).isEqualTo(1);
        assertThat(h.count("SELECT count(*) FROM r_bisect")).isEqualTo(10);
        assertThat(h.keys("failed/bisect/")).anyMatch(k -> k.endsWith("/f3.csv"));
    }

    @Test
    void redeliveryAfterCommit_andTheSameBatchTwiceAtOnce_loadOnce() throws Exception {
        // Arrange
        table("r_once");
        LoaderConfig config = LoaderConfig.fromEnv(env("r_once"));
        List<FileMessage> committed = List.of(h.put("incoming/once/a.csv", csv(1, 3)));
        assertThat(new RedshiftDestination(config, h.s3, client).load(committed, "crash"))
                .allMatch(r -> r instanceof LoadResult.Loaded);
        List<FileMessage> twice = List.of(h.put("incoming/once/b.csv", csv(10, 3)), h.put("incoming/once/c.csv", csv(20, 3)));
        Loader loader = loader("r_once");
        ExecutorService workers = Executors.newFixedThreadPool(2);

        // Act: redeliver the committed one; deliver the other two to two workers, held so that both are in flight.
        BatchOutcome redelivered = loader.processor().process(deliveries(committed));
        redshift.holdCommits();
        List<Future<BatchOutcome>> runs = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                runs.add(workers.submit(() -> loader.processor().process(deliveries(twice))));
            }
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (redshift.submittedSql().stream().filter(s -> s.startsWith("LOCK")).count() < 2 + 1
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
        } finally {
            redshift.releaseCommits();
        }
        List<BatchOutcome> both = List.of(runs.get(0).get(), runs.get(1).get());
        workers.shutdown();

        // Assert
        assertThat(redelivered.processed()).isEqualTo(1);
        assertThat(both).allSatisfy(o -> assertThat(o.failedMessageIds()).isEmpty());
        assertThat(h.count("SELECT count(*) FROM r_once")).isEqualTo(9);
        assertThat(h.count("SELECT count(*) FROM r_once_ledger")).isEqualTo(3);
        assertThat(h.keys("processed/once/")).hasSize(3);
    }

    @Test
    void statementOutlivesTheTimeout_cancelledAndSettledByLedger_thenLoadedOnce() {
        // Arrange
        table("r_timeout");
        Loader loader = loader("r_timeout", "LOAD_TIMEOUT_SECONDS", "2");
        List<FileMessage> files = List.of(h.put("incoming/timeout/a.csv", csv(1, 3)));
        loader.processor().process(deliveries(List.of(h.put("incoming/timeout/warm.csv", csv(100, 1)))));

        // Act
        redshift.holdCommits();
        BatchOutcome gaveUp;
        try {
            gaveUp = loader.processor().process(deliveries(files));
        } finally {
            redshift.releaseCommits();
        }
        BatchOutcome redelivered = loader.processor().process(deliveries(files));

        // Assert
        assertThat(gaveUp.failedMessageIds()).hasSize(1);
        assertThat(gaveUp.processed() + gaveUp.failed()).isZero();
        assertThat(redelivered.processed()).isEqualTo(1);
        assertThat(h.count("SELECT count(*) FROM r_timeout")).isEqualTo(4);
    }

    @Test
    void pollsLost_whileTheBatchCommits_ledgerSaysLoaded_filesMove() {
        // Arrange
        table("r_lost");
        Loader loader = loader("r_lost", "LOAD_TIMEOUT_SECONDS", "2");
        List<FileMessage> files = List.of(h.put("incoming/lost/a.csv", csv(1, 3)), h.put("incoming/lost/b.csv", csv(4, 3)));

        // Act
        redshift.failDescribeOf(sqls -> sqls.stream().anyMatch(s -> s.startsWith("COPY \"r_lost\"")));
        BatchOutcome outcome;
        try {
            outcome = loader.processor().process(deliveries(files));
        } finally {
            redshift.failDescribeOf(sqls -> false);
        }

        // Assert
        assertThat(outcome.failedMessageIds()).isEmpty();
        assertThat(outcome.processed()).isEqualTo(2);
        assertThat(h.count("SELECT count(*) FROM r_lost")).isEqualTo(6);
    }

    @Test
    void mergeJsonAndAwkwardKeys_rawKeysInTheManifest_noSqlInjection() {
        // Arrange
        table("r_merge");
        Loader loader = loader("r_merge", "FILE_FORMAT", "json", "LOAD_MODE", "merge", "MERGE_KEYS", "id");
        loader.processor().process(deliveries(List.of(h.put("incoming/merge/1.json",
                "{\"id\": 1, \"name\": \"one\", \"amount\": 1}\n{\"id\": 2, \"name\": \"two\", \"amount\": 2}\n"))));
        String awkward = "incoming/merge/it's; DROP TABLE r_merge; -- a+b %20 ü.json";

        // Act
        BatchOutcome outcome = loader.processor().process(deliveries(List.of(h.put(awkward,
                "{\"id\": 2, \"name\": \"two-b\", \"amount\": 20}\n{\"id\": 3, \"name\": \"three\", \"amount\": 3}\n"))));

        // Assert
        assertThat(outcome.processed()).isEqualTo(1);
        assertThat(h.column("SELECT id || ':' || name || ':' || amount FROM r_merge ORDER BY id"))
                .containsExactly("1:one:1", "2:two-b:20", "3:three:3");
        assertThat(h.column("SELECT key FROM r_merge_ledger ORDER BY key")).contains(awkward);
        assertThat(redshift.submittedSql()).noneMatch(sql -> sql.contains("DROP TABLE r_merge"));
    }

    @Test
    void overwrittenFile_newEtag_isLoadedAgain() {
        // Arrange
        table("r_overwrite");
        Loader loader = loader("r_overwrite");
        loader.processor().process(deliveries(List.of(h.put("incoming/overwrite/k.csv", csv(1, 2)))));

        // Act
        BatchOutcome second = loader.processor().process(deliveries(List.of(h.put("incoming/overwrite/k.csv", csv(10, 3)))));

        // Assert
        assertThat(second.processed()).isEqualTo(1);
        assertThat(h.count("SELECT count(*) FROM r_overwrite")).isEqualTo(5);
        assertThat(h.count("SELECT count(*) FROM r_overwrite_ledger")).isEqualTo(2);
    }
}
