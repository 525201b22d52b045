package dev.s3loader.loader.destination.redshift;

import static dev.s3loader.loader.destination.postgres.Harness.csv;
import static dev.s3loader.loader.destination.postgres.Harness.deliveries;
import static dev.s3loader.loader.destination.postgres.Harness.deliverInBatches;
import static org.assertj.core.api.Assertions.assertThat;

import dev.s3loader.embedded.redshift.EmbeddedRedshiftData;
import dev.s3loader.loader.BatchOutcome;
import dev.s3loader.loader.LoaderWiring;
import dev.s3loader.loader.destination.Deadline;
import dev.s3loader.loader.destination.LoadResult;
import dev.s3loader.loader.destination.postgres.Harness;
import dev.s3loader.loader.ObjectCopier;
import dev.s3loader.model.ErrorReport;
import dev.s3loader.model.FileMessage;
import dev.s3loader.model.LoaderConfig;
import java.time.Clock;
import java.time.Duration;
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
    private static EmbeddedRedshiftData redshift;
    private static RedshiftDataClient client;
    private static final ExecutorService pool = Executors.newFixedThreadPool(4, Thread.ofPlatform().daemon(true).factory());

    @BeforeAll
    static void start() {
        h = new Harness("rs_destination_test");
        redshift = EmbeddedRedshiftData.start(h.pg, h.s3);
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

    private static LoaderWiring loader(String table, String... kv) {
        return h.loader(env(table, kv), () -> client);
    }

    private static RedshiftDestination destination(LoaderConfig config) {
        return new RedshiftDestination(config, h.s3, client, new ObjectCopier(h.s3, config.multipartThreshold(),
                config.multipartPartSize(), pool), pool);
    }

    /** The batches (BatchExecuteStatement) that mention this table, oldest first. */
    private static List<EmbeddedRedshiftData.Statement> batches(String table) {
        return redshift.statements().stream().filter(st -> st.batch() && st.mentions("\"" + table + "\"")).toList();
    }

    /** Waits for a state the test forces (not for time to pass); fails after a generous bound. */
    private static void awaitCondition(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("never reached: " + what);
            }
            Thread.sleep(20);
        }
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
        assertThat(h.keys("_s3loader/staging/")).isEmpty();
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
    void badFileWithNoErrorRow_isFoundByBisection() {
        // Arrange: Redshift does not promise the error row; without it only bisection finds the file.
        table("r_bisect");
        List<FileMessage> files = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            files.add(h.put("incoming/bisect/f" + i + ".csv", i == 3 ? "1,x,notanumber\n" : csv(i * 10, 2)));
        }

        // Act
        BatchOutcome outcome;
        redshift.loadErrorRows(EmbeddedRedshiftData.LoadErrorRows.WITHHELD);
        try {
            outcome = loader("r_bisect").processor().process(deliveries(files));
        } finally {
            redshift.loadErrorRows(EmbeddedRedshiftData.LoadErrorRows.BY_QUERY_ID);
        }

        // Assert
        assertThat(outcome.processed()).isEqualTo(5);
        assertThat(outcome.failed()).isEqualTo(1);
        assertThat(h.count("SELECT count(*) FROM r_bisect")).isEqualTo(10);
        assertThat(h.keys("failed/bisect/")).containsExactly("failed/bisect/f3.csv");
        assertThat(h.count("SELECT count(*) FROM r_bisect_ledger")).isEqualTo(5);
    }

    @Test
    void redeliveryAfterCommit_loadsOnce() {
        // Arrange
        table("r_redeliver");
        LoaderConfig config = LoaderConfig.fromEnv(env("r_redeliver"));
        List<FileMessage> committed = List.of(h.put("incoming/redeliver/a.csv", csv(1, 3)));
        assertThat(destination(config).load(committed, "crash")).allMatch(r -> r instanceof LoadResult.Loaded);

        // Act
        BatchOutcome redelivered = loader("r_redeliver").processor().process(deliveries(committed));

        // Assert
        assertThat(redelivered.processed()).isEqualTo(1);
        assertThat(h.count("SELECT count(*) FROM r_redeliver")).isEqualTo(3);
        assertThat(h.count("SELECT count(*) FROM r_redeliver_ledger")).isEqualTo(1);
    }

    @Test
    void theSameBatchTwiceAtOnce_secondOverlapsTheFirst_conflictPathRuns_rowsOnce() throws Exception {
        // Arrange: the first batch to reach its COPY is held there until the second batch has started.
        table("r_once");
        List<FileMessage> twice = List.of(h.put("incoming/once/b.csv", csv(10, 3)), h.put("incoming/once/c.csv", csv(20, 3)));
        LoaderWiring loader = loader("r_once");
        ExecutorService workers = Executors.newFixedThreadPool(2);
        redshift.holdStatements(sql -> sql.startsWith("COPY \"r_once\""));
        List<Future<BatchOutcome>> runs = new ArrayList<>();

        // Act
        try {
            for (int i = 0; i < 2; i++) {
                runs.add(workers.submit(() -> loader.processor().process(deliveries(twice))));
            }
            awaitCondition("one batch held at its COPY while the other has started", () -> redshift.heldStatements() == 1
                    && batches("r_once").stream().filter(st -> st.status().equals("STARTED")).count() == 2);
        } finally {
            redshift.releaseStatements();
        }
        List<BatchOutcome> both = List.of(runs.get(0).get(), runs.get(1).get());
        workers.shutdown();

        // Assert: one batch committed, the other failed at its ledger check and settled from the ledger.
        List<EmbeddedRedshiftData.Statement> batches = batches("r_once");
        assertThat(batches).hasSize(2);
        assertThat(batches).filteredOn(st -> st.status().equals("FINISHED")).hasSize(1);
        assertThat(batches).filteredOn(st -> st.status().equals("FAILED"))
                .singleElement().satisfies(st -> assertThat(st.error()).contains("already in the ledger"));
        assertThat(both).allSatisfy(o -> assertThat(o.failedMessageIds()).isEmpty());
        assertThat(both.get(0).processed() + both.get(1).processed()).isEqualTo(2);
        assertThat(h.count("SELECT count(*) FROM r_once")).isEqualTo(6);
        assertThat(h.count("SELECT count(DISTINCT id) FROM r_once")).isEqualTo(6);
        assertThat(h.count("SELECT count(*) FROM r_once_ledger")).isEqualTo(2);
        assertThat(h.keys("processed/once/")).hasSize(2);
    }

    @Test
    void loadersStartingAtOnceOnAFreshLedger_eachCreatesOrFindsIt_allLoad() throws Exception {
        // Arrange: cold starts at once (four containers, a new ledger): each creates the ledger, the lock table and
        // the check procedure, and the losers of each race must take "it is there" for an answer.
        // Odd rounds find the tables there (a ledger made by hand, or a loader that stopped before its procedure),
        // so every loader reaches CREATE PROCEDURE at the same moment.
        int loaders = 4;
        for (int round = 0; round < 10; round++) {
            String table = "r_cold" + round;
            table(table);
            if (round % 2 == 1) {
                h.sql("CREATE TABLE " + table + "_ledger (key_sha256 char(64) NOT NULL, key varchar(1024) NOT NULL, "
                        + "etag varchar(128) NOT NULL, size bigint NOT NULL, batch_id varchar(256) NOT NULL, row_count bigint, "
                        + "loaded_at timestamp NOT NULL DEFAULT now(), PRIMARY KEY (key_sha256, etag)); "
                        + "CREATE TABLE " + table + "_ledger_lock (held int)");
            }
            List<FileMessage> files = new ArrayList<>();
            for (int i = 0; i < loaders; i++) {
                files.add(h.put("incoming/cold" + round + "/f" + i + ".csv", csv(10 * i, 2)));
            }
            ExecutorService starts = Executors.newFixedThreadPool(loaders);
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            List<Future<List<LoadResult>>> runs = new ArrayList<>();

            // Act
            for (int i = 0; i < loaders; i++) {
                FileMessage f = files.get(i);
                RedshiftDestination d = destination(LoaderConfig.fromEnv(env(table)));
                runs.add(starts.submit(() -> {
                    go.await();
                    return d.load(List.of(f), "cold-" + f.key());
                }));
            }
            go.countDown();
            List<LoadResult> results = new ArrayList<>();
            for (Future<List<LoadResult>> r : runs) {
                results.addAll(r.get());
            }
            starts.shutdown();

            // Assert
            assertThat(results).as("round %d", round).allMatch(r -> r instanceof LoadResult.Loaded);
            assertThat(h.count("SELECT count(*) FROM " + table)).isEqualTo(2 * loaders);
            assertThat(h.count("SELECT count(*) FROM " + table + "_ledger")).isEqualTo(loaders);
        }
    }

    @Test
    void ledgerRead_whileAnotherWorkersBatchIsOpen_answersAtOnce() throws Exception {
        // Arrange: a.csv is loaded; another worker's batch (b.csv) holds its transaction open before COMMIT.
        table("r_block");
        LoaderConfig config = LoaderConfig.fromEnv(env("r_block", "LOAD_TIMEOUT_SECONDS", "3"));
        List<FileMessage> a = List.of(h.put("incoming/block/a.csv", csv(1, 2)));
        assertThat(destination(config).load(a, "first")).allMatch(r -> r instanceof LoadResult.Loaded);
        List<FileMessage> b = List.of(h.put("incoming/block/b.csv", csv(10, 2)));
        ExecutorService other = Executors.newSingleThreadExecutor();
        redshift.holdCommits();
        List<LoadResult> again;
        Future<List<LoadResult>> open;
        try {
            open = other.submit(() -> destination(LoaderConfig.fromEnv(env("r_block"))).load(b, "open"));
            awaitCondition("the other batch held before COMMIT", () -> redshift.heldCommits() == 1);

            // Act: a redelivery of a.csv only needs the ledger's answer.
            again = destination(config).load(a, "redelivered");
        } finally {
            redshift.releaseCommits();
        }

        // Assert
        assertThat(again).singleElement().isInstanceOf(LoadResult.AlreadyLoaded.class);
        assertThat(open.get()).singleElement().isInstanceOf(LoadResult.Loaded.class);
        other.shutdown();
        assertThat(h.count("SELECT count(*) FROM r_block")).isEqualTo(4);
    }

    @Test
    void overwriteBetweenPrecheckAndCopy_oldVersionLoadsOnce_newVersionOnceWithItsOwnMessage() throws Exception {
        // Arrange: the batch is held just before its COPY; the producer overwrites the key meanwhile.
        table("r_swap");
        LoaderWiring loader = loader("r_swap");
        FileMessage v1 = h.put("incoming/swap/k.csv", csv(1, 2));
        ExecutorService worker = Executors.newSingleThreadExecutor();
        redshift.holdStatements(sql -> sql.startsWith("COPY \"r_swap\""));
        Future<BatchOutcome> first;
        FileMessage v2;
        try {
            first = worker.submit(() -> loader.processor().process(deliveries(List.of(v1))));
            awaitCondition("the batch held before its COPY", () -> redshift.heldStatements() == 1);
            v2 = h.put("incoming/swap/k.csv", csv(10, 3));
        } finally {
            redshift.releaseStatements();
        }
        first.get();
        worker.shutdown();

        // Act: the new version's own message.
        BatchOutcome second = loader.processor().process(deliveries(List.of(v2)));

        // Assert: each version's rows exactly once, each (key, etag) once in the ledger.
        assertThat(second.processed()).isEqualTo(1);
        assertThat(h.column("SELECT id FROM r_swap ORDER BY id")).containsExactly("1", "2", "10", "11", "12");
        assertThat(h.column("SELECT etag FROM r_swap_ledger ORDER BY loaded_at")).containsExactly(v1.etag(), v2.etag());
        assertThat(h.keys("_s3loader/staging/")).isEmpty();
        assertThat(h.keys("_s3loader/manifests/")).isEmpty();
    }

    @Test
    void twoVersionsOfOneKeyInOneBatch_onlyTheVersionStillThereLoads_once() {
        // Arrange
        table("r_versions");
        FileMessage v1 = h.put("incoming/versions/k.csv", csv(1, 2));
        FileMessage v2 = h.put("incoming/versions/k.csv", csv(10, 3));

        // Act
        List<LoadResult> results = destination(LoaderConfig.fromEnv(env("r_versions"))).load(List.of(v1, v2), "versions");

        // Assert
        assertThat(results.get(0)).isInstanceOf(LoadResult.SourceChanged.class);
        assertThat(results.get(1)).isInstanceOf(LoadResult.Loaded.class);
        assertThat(h.column("SELECT id FROM r_versions ORDER BY id")).containsExactly("10", "11", "12");
        assertThat(h.column("SELECT etag FROM r_versions_ledger")).containsExactly(v2.etag());
    }

    @Test
    void keysDifferingOnlyByATrailingBlank_areTwoFiles_bothLoad() {
        // Arrange: Redshift ignores trailing blanks when it compares VARCHARs; the bodies (so the etags) are equal.
        table("r_blank");
        LoaderConfig config = LoaderConfig.fromEnv(env("r_blank", "FILE_FORMAT", "json"));
        String body = "{\"id\": 1, \"name\": \"one\", \"amount\": 1}\n";
        FileMessage plain = h.put("incoming/blank/a.json", body);
        FileMessage blank = h.put("incoming/blank/a.json ", body);
        assertThat(destination(config).load(List.of(plain), "plain")).allMatch(r -> r instanceof LoadResult.Loaded);

        // Act
        List<LoadResult> results = destination(config).load(List.of(blank), "blank");

        // Assert
        assertThat(results).singleElement().isInstanceOf(LoadResult.Loaded.class);
        assertThat(h.count("SELECT count(*) FROM r_blank")).isEqualTo(2);
        assertThat(h.column("SELECT key FROM r_blank_ledger"))
                .containsExactlyInAnyOrder("incoming/blank/a.json", "incoming/blank/a.json ");
    }

    @Test
    void csvOptions_emittedAsRedshiftDocumentsThem_quoteRightAfterCsv() {
        // Arrange
        table("r_quote");
        LoaderWiring loader = loader("r_quote", "CSV_QUOTE", "'");

        // Act
        BatchOutcome outcome = loader.processor().process(deliveries(List.of(
                h.put("incoming/quote/a.csv", "1,'one, two',3\n"))));

        // Assert
        assertThat(outcome.processed()).isEqualTo(1);
        assertThat(h.column("SELECT name FROM r_quote")).containsExactly("one, two");
        assertThat(redshift.submittedSql()).filteredOn(sql -> sql.startsWith("COPY \"r_quote\""))
                .allSatisfy(sql -> assertThat(sql).contains(" CSV QUOTE AS '''' "));
    }

    @Test
    void serializableIsolationViolation_1023_isRetried_batchLoadsOnce() throws Exception {
        // Arrange: the batch reads r_iso_side (PRE_SQL) and writes r_iso; another session, held in
        // between, reads r_iso and writes r_iso_side, and commits first: Redshift's documented 1023 case.
        table("r_iso");
        h.sql("DROP TABLE IF EXISTS r_iso_side; CREATE TABLE r_iso_side (n int)");
        LoaderWiring loader = loader("r_iso", "FILE_FORMAT", "json", "PRE_SQL", "SELECT COUNT(*) FROM r_iso_side");
        List<FileMessage> files = List.of(h.put("incoming/iso/a.json",
                "{\"id\": 1, \"name\": \"one\", \"amount\": 1}\n{\"id\": 2, \"name\": \"two\", \"amount\": 2}\n"));
        ExecutorService worker = Executors.newSingleThreadExecutor();
        redshift.holdStatements(sql -> sql.startsWith("COPY \"r_iso\""));
        Future<BatchOutcome> run;
        try {
            run = worker.submit(() -> loader.processor().process(deliveries(files)));
            awaitCondition("the batch held before its COPY", () -> redshift.heldStatements() == 1);
            String other = client.batchExecuteStatement(b -> b.workgroupName("s3loader").database(h.database)
                    .sqls("SELECT COUNT(*) FROM r_iso", "INSERT INTO r_iso_side VALUES (1)")).id();
            awaitCondition("the other session committed", () -> redshift.statements().stream()
                    .anyMatch(st -> st.id().equals(other) && st.status().equals("FINISHED")));
        } finally {
            // Act
            redshift.releaseStatements();
        }
        BatchOutcome outcome = run.get();
        worker.shutdown();

        // Assert
        assertThat(batches("r_iso")).filteredOn(st -> st.status().equals("FAILED") && st.mentions("r_iso_side"))
                .singleElement().satisfies(st -> assertThat(st.error()).contains("1023"));
        assertThat(outcome.failedMessageIds()).isEmpty();
        assertThat(outcome.processed()).isEqualTo(1);
        assertThat(h.count("SELECT count(*) FROM r_iso")).isEqualTo(2);
        assertThat(h.count("SELECT count(*) FROM r_iso_ledger")).isEqualTo(1);
    }

    @Test
    void errorRowUnderAnotherQueryId_badFileFoundByName_withLineAndColumn() {
        // Arrange
        table("r_misfiled");
        List<FileMessage> files = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            files.add(h.put("incoming/misfiled/f" + i + ".csv", i == 2 ? "20,ok,1\n21,bad,x\n" : csv(i * 10, 3)));
        }

        // Act
        BatchOutcome outcome;
        redshift.loadErrorRows(EmbeddedRedshiftData.LoadErrorRows.OTHER_QUERY_ID);
        try {
            outcome = loader("r_misfiled").processor().process(deliveries(files));
        } finally {
            redshift.loadErrorRows(EmbeddedRedshiftData.LoadErrorRows.BY_QUERY_ID);
        }

        // Assert
        assertThat(outcome.processed()).isEqualTo(3);
        assertThat(outcome.failed()).isEqualTo(1);
        assertThat(h.report("_s3loader/reports/keys/misfiled/f2.csv.error.json").detail())
                .containsEntry("line", "2").containsEntry("column", "amount");
        assertThat(h.count("SELECT count(*) FROM r_misfiled")).isEqualTo(9);
    }

    @Test
    void deadlineAlreadyPassed_nothingSubmitted_filesHandedBack() {
        // Arrange
        table("r_late");
        List<FileMessage> files = List.of(h.put("incoming/late/a.csv", csv(1, 2)));

        // Act
        List<LoadResult> results = destination(LoaderConfig.fromEnv(env("r_late")))
                .load(files, "late", Deadline.in(Duration.ZERO, Clock.systemUTC()));

        // Assert
        assertThat(results).singleElement().isInstanceOf(LoadResult.Retry.class);
        assertThat(batches("r_late")).isEmpty();
        assertThat(h.count("SELECT count(*) FROM r_late")).isZero();
    }

    @Test
    void deadlinePassesWhileTheBatchRuns_cancelledAndHandedBack_thenLoadedOnce() throws Exception {
        // Arrange: the batch cannot commit (held); the load timeout is far away, the deadline near.
        table("r_deadline");
        LoaderConfig config = LoaderConfig.fromEnv(env("r_deadline", "LOAD_TIMEOUT_SECONDS", "3600"));
        List<FileMessage> files = List.of(h.put("incoming/deadline/a.csv", csv(1, 2)));
        destination(config).load(List.of(h.put("incoming/deadline/warm.csv", csv(100, 1))), "warm");
        ExecutorService worker = Executors.newSingleThreadExecutor();
        List<LoadResult> first;

        // Act
        redshift.holdCommits();
        try {
            Future<List<LoadResult>> run = worker.submit(() -> destination(config)
                    .load(files, "deadline", Deadline.in(Duration.ofSeconds(3), Clock.systemUTC())));
            first = run.get(120, java.util.concurrent.TimeUnit.SECONDS); // a bound on a hang, not a timing check
        } finally {
            redshift.releaseCommits();
        }
        List<LoadResult> again = destination(config).load(files, "again");
        worker.shutdown();

        // Assert
        assertThat(first).singleElement().isInstanceOf(LoadResult.Retry.class);
        assertThat(again).singleElement().isInstanceOf(LoadResult.Loaded.class);
        assertThat(h.count("SELECT count(*) FROM r_deadline")).isEqualTo(3);
    }

    @Test
    void keysWithQuotesTabCrAndTrailingSpace_stagedAndLoaded_keptByteForByteInTheLedger() {
        // Arrange: no character of a key reaches the manifest, which names staging copies only.
        table("r_keys");
        List<String> keys = List.of("incoming/keys/it's \"q\".csv", "incoming/keys/tab\there.csv",
                "incoming/keys/cr\rhere.csv", "incoming/keys/space.csv ", "incoming/keys/ü+%20.csv");
        List<FileMessage> files = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            files.add(h.put(keys.get(i), csv(i * 10, 2)));
        }

        // Act
        BatchOutcome outcome = loader("r_keys").processor().process(deliveries(files));

        // Assert
        assertThat(outcome.failedMessageIds()).isEmpty();
        assertThat(outcome.processed()).isEqualTo(keys.size());
        assertThat(h.count("SELECT count(*) FROM r_keys")).isEqualTo(10);
        assertThat(h.column("SELECT key FROM r_keys_ledger")).containsExactlyInAnyOrderElementsOf(keys);
        assertThat(redshift.submittedSql()).noneMatch(sql -> sql.contains("incoming/keys"));
    }

    @Test
    void statementOutlivesTheTimeout_cancelledAndSettledByLedger_thenLoadedOnce() {
        // Arrange
        table("r_timeout");
        LoaderWiring loader = loader("r_timeout", "LOAD_TIMEOUT_SECONDS", "2");
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
        LoaderWiring loader = loader("r_lost", "LOAD_TIMEOUT_SECONDS", "2");
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
        LoaderWiring loader = loader("r_merge", "FILE_FORMAT", "json", "LOAD_MODE", "merge", "MERGE_KEYS", "id");
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
        LoaderWiring loader = loader("r_overwrite");
        loader.processor().process(deliveries(List.of(h.put("incoming/overwrite/k.csv", csv(1, 2)))));

        // Act
        BatchOutcome second = loader.processor().process(deliveries(List.of(h.put("incoming/overwrite/k.csv", csv(10, 3)))));

        // Assert
        assertThat(second.processed()).isEqualTo(1);
        assertThat(h.count("SELECT count(*) FROM r_overwrite")).isEqualTo(5);
        assertThat(h.count("SELECT count(*) FROM r_overwrite_ledger")).isEqualTo(2);
    }

    @Test
    void jsonKeysInMixedCase_loadIntoTheirLowercaseColumns_notNull() {
        // Arrange: Redshift folds column names to lowercase (r_names) and JSON 'auto' matches keys
        // case-sensitively (copy-usage_notes-copy-from-json): "Name" would load NULL, silently.
        table("r_jsoncase");
        List<FileMessage> files = List.of(h.put("incoming/jsoncase/a.json",
                "{\"id\": 1, \"Name\": \"one\", \"AMOUNT\": 5}\n{\"Id\": 2, \"nAmE\": \"two\", \"amount\": 6}\n"));

        // Act
        BatchOutcome outcome = loader("r_jsoncase", "FILE_FORMAT", "json").processor().process(deliveries(files));

        // Assert
        assertThat(outcome.processed()).isEqualTo(1);
        assertThat(h.column("SELECT id || ':' || coalesce(name, '-') || ':' || coalesce(amount, -1) FROM r_jsoncase ORDER BY id"))
                .containsExactly("1:one:5", "2:two:6");
    }

    @Test
    void readmeUpgradeSql_rehashesTheLedgerAsTheLoaderDoes_oldFilesStayLoaded() throws Exception {
        // Arrange: the upgrade statement of docs/deploy.md recomputes key_sha256 from the key on the cluster. SHA2.html
        // does not state the hex case; the emulator answers upper case, LedgerId lower case.
        table("r_upgrade");
        List<FileMessage> files = List.of(h.put("incoming/upgrade/a b.csv", csv(1, 2)), h.put("incoming/upgrade/c.csv", csv(5, 2)));
        // Loaded (ledger rows) but not yet moved, as before an upgrade whose redelivery follows.
        assertThat(destination(LoaderConfig.fromEnv(env("r_upgrade"))).load(files, "before"))
                .allMatch(r -> r instanceof LoadResult.Loaded);
        String readme = dev.s3loader.embedded.DocPages.page("deploy.md");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("`(UPDATE <ledger> SET key_sha256 = [^`]+);`").matcher(readme);
        assertThat(m.find()).as("the upgrade statement of docs/deploy.md").isTrue();
        String update = m.group(1).replace("<ledger>", "r_upgrade_ledger");

        // Act
        String id = client.executeStatement(b -> b.workgroupName("s3loader").database(h.database).sql(update)).id();
        awaitCondition("the upgrade statement ends", () -> !client.describeStatement(b -> b.id(id)).statusAsString()
                .matches("SUBMITTED|PICKED|STARTED"));
        BatchOutcome again = loader("r_upgrade").processor().process(deliveries(files));

        // Assert
        assertThat(client.describeStatement(b -> b.id(id)).statusAsString()).isEqualTo("FINISHED");
        assertThat(again.processed()).isEqualTo(2);
        assertThat(h.count("SELECT count(*) FROM r_upgrade")).isEqualTo(4);
        assertThat(h.count("SELECT count(*) FROM r_upgrade_ledger")).isEqualTo(2);
    }

    @Test
    void corruptGzipFile_isolatedByTheKeyItsErrorNames_theOthersLoad() {
        // Arrange: Redshift fails a COPY it cannot decompress with its own error (code 9001, the S3 key being
        // read), not a load error; copy-parameters-file-compression: COPY "uncompresses the data as it loads".
        table("r_corrupt");
        byte[] whole = Harness.gzip(csv(100, 50));
        List<FileMessage> files = List.of(h.put("incoming/corrupt/a.csv.gz", Harness.gzip(csv(1, 2))),
                h.put("incoming/corrupt/bad.csv.gz", java.util.Arrays.copyOf(whole, whole.length - 12)),
                h.put("incoming/corrupt/c.csv", csv(10, 2)));

        // Act
        BatchOutcome outcome = loader("r_corrupt").processor().process(deliveries(files));

        // Assert
        assertThat(outcome.failedMessageIds()).isEmpty();
        assertThat(outcome.processed()).isEqualTo(2);
        assertThat(outcome.failed()).isEqualTo(1);
        assertThat(h.keys("failed/corrupt/")).containsExactly("failed/corrupt/bad.csv.gz");
        assertThat(h.report("_s3loader/reports/keys/corrupt/bad.csv.gz.error.json").reason()).contains("decompressed");
        assertThat(h.count("SELECT count(*) FROM r_corrupt")).isEqualTo(4);
    }

    @Test
    void corruptGzipFile_amongTwelve_isolatedThoughItsStagingNameBeginsWithAnothersName() {
        // Arrange: staging keys end in the file's number, so the twelfth's (".../11" or ".../12") begins
        // with the second's (".../1"): the error must be matched to the whole name.
        table("r_corrupt12");
        byte[] whole = Harness.gzip(csv(100, 50));
        List<FileMessage> files = new java.util.ArrayList<>();
        for (int i = 0; i < 11; i++) {
            files.add(h.put("incoming/corrupt12/f" + i + ".csv", csv(1000 + i * 10, 1)));
        }
        files.add(h.put("incoming/corrupt12/bad.csv.gz", java.util.Arrays.copyOf(whole, whole.length - 12)));

        // Act
        BatchOutcome outcome = loader("r_corrupt12").processor().process(deliveries(files));

        // Assert
        assertThat(outcome.failedMessageIds()).isEmpty();
        assertThat(outcome.processed()).isEqualTo(11);
        assertThat(h.keys("failed/corrupt12/")).containsExactly("failed/corrupt12/bad.csv.gz");
        assertThat(h.count("SELECT count(*) FROM r_corrupt12")).isEqualTo(11);
    }

    @Test
    void mixedCaseTableName_resolvedAsRedshiftFoldsIt_mergeFindsItsColumns() {
        // Arrange: r_names: "ASCII letters in standard and delimited identifiers are case-insensitive and are
        // folded to lowercase": DB_TABLE=R_Mixed is the table r_mixed.
        table("r_mixed");
        LoaderWiring loader = loader("R_Mixed", "LOAD_MODE", "merge", "MERGE_KEYS", "id");

        // Act
        BatchOutcome outcome = loader.processor().process(deliveries(List.of(h.put("incoming/mixed/a.csv", csv(1, 3)))));

        // Assert
        assertThat(outcome.processed()).isEqualTo(1);
        assertThat(h.count("SELECT count(*) FROM r_mixed")).isEqualTo(3);
        assertThat(h.count("SELECT count(*) FROM r_mixed_ledger")).isEqualTo(1);
    }

    @Test
    void ledgerCheckFailingForAnotherReason_isNotAConflict_theBatchFailsOnceWithItsError() {
        // Arrange: the check fails as a denied permission would, which no other writer caused.
        table("r_checkfail");
        RedshiftDestination destination = destination(LoaderConfig.fromEnv(env("r_checkfail")));
        int before = batches("r_checkfail").size();
        redshift.failStatements(sql -> sql.contains("\"r_checkfail_ledger") && !sql.startsWith("LOCK")
                && !sql.startsWith("INSERT"), "permission denied for relation r_checkfail_ledger");

        // Act / Assert
        try {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> destination.load(
                            List.of(h.put("incoming/checkfail/a.csv", csv(1, 2))), "denied"))
                    .isInstanceOf(dev.s3loader.loader.LoaderException.class)
                    .hasMessageContaining("CHECK").hasMessageContaining("permission denied");
        } finally {
            redshift.failStatements(sql -> false, "");
        }
        assertThat(batches("r_checkfail")).hasSize(before + 1);
        assertThat(h.count("SELECT count(*) FROM r_checkfail")).isZero();
    }

    @Test
    void provisionedCluster_badFileAmong101_foundInStlLoadErrorsByItsQueryId_withoutBisection() {
        // Arrange: on a cluster DescribeStatement reports STL_QUERY's id, which is not SYS_LOAD_ERROR_DETAIL's
        // query_id (SYS_QUERY_HISTORY: "not the same identifier"); past 100 files no file-name lookup helps.
        table("r_stl");
        List<FileMessage> files = new ArrayList<>();
        for (int i = 0; i < 101; i++) {
            files.add(h.put("incoming/stl/f" + i + ".csv", i == 70 ? "1,x,notanumber\n" : csv(i * 10, 1)));
        }
        Map<String, String> cluster = env("r_stl");
        cluster.remove("REDSHIFT_WORKGROUP");
        cluster.put("REDSHIFT_CLUSTER_ID", "warehouse");

        // Act
        BatchOutcome outcome = h.loader(cluster, () -> client).processor().process(deliveries(files));

        // Assert
        assertThat(outcome.processed()).isEqualTo(100);
        assertThat(outcome.failed()).isEqualTo(1);
        assertThat(h.keys("failed/stl/")).containsExactly("failed/stl/f70.csv");
        assertThat(h.report("_s3loader/reports/keys/stl/f70.csv.error.json").detail()).containsEntry("line", "1")
                .containsEntry("column", "amount");
        assertThat(batches("r_stl")).hasSize(2); // the failed COPY and the retry without the bad file
    }

    @Test
    void twoPipelinesMergingIntoOneTarget_underSnapshotIsolation_eachKeyOnce() throws Exception {
        // Arrange: SNAPSHOT is the default isolation of new clusters and workgroups (c_serial_isolation); two
        // pipelines (two ledgers, two lock tables) overlap, each held before its COPY while the other starts.
        table("r_shared");
        LoaderWiring a = loader("r_shared", "LOAD_MODE", "merge", "MERGE_KEYS", "id", "DB_LEDGER_TABLE", "r_shared_ledger_a");
        LoaderWiring b = loader("r_shared", "LOAD_MODE", "merge", "MERGE_KEYS", "id", "DB_LEDGER_TABLE", "r_shared_ledger_b");
        FileMessage fa = h.put("incoming/shared/a.csv", "1,a,1\n2,a,2\n");
        FileMessage fb = h.put("incoming/shared/b.csv", "1,b,10\n2,b,20\n");
        ExecutorService workers = Executors.newFixedThreadPool(2);
        redshift.isolation(EmbeddedRedshiftData.Isolation.SNAPSHOT);
        redshift.holdStatements(sql -> sql.startsWith("COPY s3loader_stage"));
        BatchOutcome first;
        BatchOutcome second;

        // Act
        try {
            Future<BatchOutcome> one = workers.submit(() -> a.processor().process(deliveries(List.of(fa))));
            awaitCondition("the first merge holds before its COPY", () -> redshift.heldStatements() == 1);
            Future<BatchOutcome> two = workers.submit(() -> b.processor().process(deliveries(List.of(fb))));
            awaitCondition("the second merge waits for the target or holds before its COPY",
                    () -> redshift.heldStatements() == 2 || waitsAt("r_shared_ledger_b", "LOCK \"r_shared_s3loader_lock\""));
            redshift.releaseStatements();
            first = one.get();
            second = two.get();
        } finally {
            redshift.releaseStatements();
            redshift.isolation(EmbeddedRedshiftData.Isolation.SERIALIZABLE);
            workers.shutdownNow();
        }

        // Assert
        assertThat(first.processed()).isEqualTo(1);
        assertThat(second.processed()).isEqualTo(1);
        assertThat(h.column("SELECT id || ':' || name FROM r_shared ORDER BY id")).hasSize(2)
                .containsAnyOf("1:a", "1:b").containsAnyOf("2:a", "2:b");
    }

    @Test
    void iso8601AndEpochTimestamps_loadWithTheDateAndTimeFormats() {
        // Arrange: Redshift's default TIMEFORMAT is YYYY-MM-DD HH:MI:SS; ISO 8601 with T and Z needs 'auto'
        // (automatic-recognition), which does not read epoch numbers: those need TIMEFORMAT 'epochsecs'.
        h.sql("DROP TABLE IF EXISTS r_times; CREATE TABLE r_times (id int NOT NULL, at timestamp, day date)");
        FileMessage iso = h.put("incoming/times/iso.csv", "1,2019-02-11T05:09:12.195Z,2019-02-11\n2,2024-12-31T23:59:59Z,2024-12-31\n");
        FileMessage json = h.put("incoming/times/iso.json", "{\"id\": 4, \"at\": \"2020-01-02T03:04:05Z\", \"day\": \"2020-01-02\"}\n");
        FileMessage epoch = h.put("incoming/times/epoch.csv", "3,1700000000,2023-11-14\n");

        // Act
        BatchOutcome isoOutcome = loader("r_times").processor().process(deliveries(List.of(iso)));
        BatchOutcome jsonOutcome = loader("r_times", "FILE_FORMAT", "json").processor().process(deliveries(List.of(json)));
        BatchOutcome epochOutcome = loader("r_times", "REDSHIFT_TIMEFORMAT", "epochsecs").processor()
                .process(deliveries(List.of(epoch)));

        // Assert
        assertThat(isoOutcome.processed()).isEqualTo(1);
        assertThat(jsonOutcome.processed()).isEqualTo(1);
        assertThat(epochOutcome.processed()).isEqualTo(1);
        assertThat(h.column("SELECT id || '|' || to_char(at, 'YYYY-MM-DD HH24:MI:SS.MS') || '|' || day FROM r_times ORDER BY id"))
                .containsExactly("1|2019-02-11 05:09:12.195|2019-02-11", "2|2024-12-31 23:59:59.000|2024-12-31",
                        "3|2023-11-14 22:13:20.000|2023-11-14", "4|2020-01-02 03:04:05.000|2020-01-02");
    }

    @Test
    void sseKmsBucket_copyRoleWithoutKmsDecrypt_aConfigurationErrorNamingTheRole_filesNotFailed() {
        // Arrange: c_loading-encrypted-files: COPY reads SSE-KMS objects with its IAM_ROLE, which needs kms:Decrypt.
        table("r_kms");
        String key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        RedshiftDestination destination = destination(LoaderConfig.fromEnv(env("r_kms")));
        List<FileMessage> files = List.of(h.put("incoming/kms/a.csv", csv(1, 2)));
        redshift.kmsEncrypted(h.bucket, key, java.util.Set.of("arn:aws:iam::123456789012:role/other"));

        // Act / Assert
        try {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> destination.load(files, "kms"))
                    .isInstanceOf(dev.s3loader.loader.LoaderException.class)
                    .isNotInstanceOf(dev.s3loader.loader.TransientLoadException.class)
                    .hasMessageStartingWith("configuration: ").hasMessageContaining("REDSHIFT_IAM_ROLE " + ROLE)
                    .hasMessageContaining("kms:Decrypt on the bucket's key");
            redshift.kmsEncrypted(h.bucket, key, java.util.Set.of(ROLE));
            assertThat(destination.load(files, "granted")).allMatch(r -> r instanceof LoadResult.Loaded);
        } finally {
            redshift.notEncrypted(h.bucket);
        }
        assertThat(h.count("SELECT count(*) FROM r_kms")).isEqualTo(2);
    }

    @Test
    void bucketInAnotherRegionThanTheCluster_copyNamesTheBucketsRegion() {
        // Arrange: copy-parameters-data-source-s3: REGION is required when the bucket is not in the cluster's region.
        table("r_region");
        List<FileMessage> files = List.of(h.put("incoming/region/a.csv", csv(1, 2)));
        LoaderConfig config = LoaderConfig.fromEnv(env("r_region"));
        redshift.bucketRegion(h.bucket, "eu-west-1");

        // Act
        List<LoadResult> results;
        try (software.amazon.awssdk.services.s3.S3Client eu = dev.s3loader.embedded.SharedServers.s3().newClientBuilder()
                .region(software.amazon.awssdk.regions.Region.EU_WEST_1).build()) {
            results = new RedshiftDestination(config, eu, client, new ObjectCopier(eu, config.multipartThreshold(),
                    config.multipartPartSize(), pool), pool).load(files, "eu");
        } finally {
            redshift.bucketRegion(h.bucket, EmbeddedRedshiftData.REGION.id());
        }

        // Assert
        assertThat(results).allMatch(r -> r instanceof LoadResult.Loaded);
        assertThat(h.count("SELECT count(*) FROM r_region")).isEqualTo(2);
    }

    /** Whether a batch that mentions {@code mention} has the sub-statement {@code sql} running (blocked) now. */
    private static boolean waitsAt(String mention, String sql) {
        for (EmbeddedRedshiftData.Statement st : redshift.statements()) {
            if (st.batch() && st.mentions(mention)) {
                int i = st.sqls().indexOf(sql);
                if (i >= 0 && "STARTED".equals(st.subStatus().get(i))) {
                    return true;
                }
            }
        }
        return false;
    }
}
