package dev.s3loader.loader.destination.postgres;

import static dev.s3loader.loader.destination.postgres.Harness.csv;
import static dev.s3loader.loader.destination.postgres.Harness.deliveries;
import static dev.s3loader.loader.destination.postgres.Harness.deliverInBatches;
import static org.assertj.core.api.Assertions.assertThat;

import dev.s3loader.embedded.EmbeddedSecretsManager;
import dev.s3loader.loader.BatchOutcome;
import dev.s3loader.loader.LoaderWiring;
import dev.s3loader.loader.destination.LoadResult;
import dev.s3loader.model.ErrorReport;
import dev.s3loader.model.FileMessage;
import dev.s3loader.model.LoaderConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * The postgres destination on a real PostgreSQL and S3 (S3Proxy), driven through the loader's
 * BatchProcessor so files really end in processed/ or failed/. Each test has its own table,
 * ledger and key prefix.
 */
class PostgresDestinationTest {
    private static Harness h;

    @BeforeAll
    static void start() {
        h = new Harness("pg_destination_test");
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    private static void table(String name) {
        h.sql("DROP TABLE IF EXISTS " + name + "; CREATE TABLE " + name + " (id int NOT NULL, name text, amount int)");
    }

    private static LoaderWiring loader(String table, String... kv) {
        List<String> all = new ArrayList<>(List.of("DB_TABLE", table, "DB_LEDGER_TABLE", table + "_ledger"));
        all.addAll(List.of(kv));
        return h.loader(h.env(all.toArray(String[]::new)));
    }

    @Test
    void thousandFiles_batchesOfTenOnFourPollers_exactRowCountAndAllMoved() throws Exception {
        // Arrange
        table("t_thousand");
        List<FileMessage> files = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            files.add(h.put("incoming/thousand/f" + i + ".csv", csv(i * 3, 3)));
        }
        LoaderWiring loader = loader("t_thousand", "MAX_CONCURRENCY", "2");
        ExecutorService pollers = Executors.newFixedThreadPool(4);

        // Act
        List<Future<List<BatchOutcome>>> runs = new ArrayList<>();
        for (int p = 0; p < 4; p++) {
            List<FileMessage> share = files.subList(p * 250, (p + 1) * 250);
            runs.add(pollers.submit(() -> deliverInBatches(loader, share, 10)));
        }
        List<BatchOutcome> outcomes = new ArrayList<>();
        for (Future<List<BatchOutcome>> r : runs) {
            outcomes.addAll(r.get());
        }
        pollers.shutdown();

        // Assert
        assertThat(outcomes).allSatisfy(o -> assertThat(o.failedMessageIds()).isEmpty());
        assertThat(h.count("SELECT count(*) FROM t_thousand")).isEqualTo(3000);
        assertThat(h.count("SELECT count(DISTINCT id) FROM t_thousand")).isEqualTo(3000);
        assertThat(h.count("SELECT count(*) FROM t_thousand_ledger")).isEqualTo(1000);
        assertThat(h.count("SELECT sum(row_count) FROM t_thousand_ledger")).isEqualTo(3000);
        assertThat(h.keys("incoming/thousand/")).isEmpty();
        assertThat(h.keys("processed/thousand/")).hasSize(1000);
    }

    @Test
    void batchOfTen_oneTransaction_threeRoundTripsPerFile_noHeadPerFile() {
        // Arrange: a loader whose S3 client counts requests by operation; a first batch opens the
        // connection and creates the ledger, so the measured one is a batch like every later one.
        table("t_trips");
        java.util.Map<String, java.util.concurrent.atomic.AtomicInteger> requests = new java.util.concurrent.ConcurrentHashMap<>();
        software.amazon.awssdk.core.interceptor.ExecutionInterceptor counter = new software.amazon.awssdk.core.interceptor.ExecutionInterceptor() {
            @Override
            public void beforeExecution(software.amazon.awssdk.core.interceptor.Context.BeforeExecution context,
                                        software.amazon.awssdk.core.interceptor.ExecutionAttributes attributes) {
                requests.computeIfAbsent(context.request().getClass().getSimpleName(),
                        k -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
            }
        };
        List<FileMessage> warm = List.of(h.put("incoming/trips/warm.csv", csv(1000, 2)));
        List<FileMessage> files = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            files.add(h.put("incoming/trips/f" + i + ".csv", csv(i * 5, 5)));
        }
        try (software.amazon.awssdk.services.s3.S3Client s3 = dev.s3loader.embedded.SharedServers.s3().newClientBuilder()
                .overrideConfiguration(dev.s3loader.clients.AwsClients.retries().toBuilder()
                        .addExecutionInterceptor(dev.s3loader.clients.NoExpectContinueInterceptor.INSTANCE)
                        .addExecutionInterceptor(counter).build()).build();
             LoaderWiring loader = new LoaderWiring(LoaderConfig.fromEnv(h.env("DB_TABLE", "t_trips", "DB_LEDGER_TABLE", "t_trips_ledger")),
                     new LoaderWiring.Clients(s3, () -> null), line -> { }, java.time.Clock.systemUTC())) {
            assertThat(loader.processor().process(deliveries(warm)).failedMessageIds()).isEmpty();
            requests.clear();

            // Act
            BatchOutcome outcome;
            int trips;
            try (RoundTrips counted = new RoundTrips()) {
                outcome = loader.processor().process(deliveries(files));
                trips = counted.count();
            }

            // Assert: all loaded and moved, in one transaction (one batch id in the ledger) ...
            assertThat(outcome.failedMessageIds()).isEmpty();
            assertThat(outcome.processed()).isEqualTo(10);
            assertThat(h.count("SELECT count(*) FROM t_trips")).isEqualTo(52);
            assertThat(h.count("SELECT count(DISTINCT batch_id) FROM t_trips_ledger WHERE key LIKE 'incoming/trips/f%'")).isEqualTo(1);
            assertThat(h.count("SELECT sum(row_count) FROM t_trips_ledger WHERE key LIKE 'incoming/trips/f%'")).isEqualTo(50);
            // ... with at most three round trips per file (a savepoint, the COPY's start and its end) and a
            // fixed few per batch (the connection check, statement timeouts, the claims, the row counts, COMMIT);
            // one claim, GET, COPY, row count and savepoint release each per file made it 75 before ...
            assertThat(trips).as("round trips to PostgreSQL for 10 files").isLessThanOrEqualTo(3 * 10 + 8);
            // ... and S3 asked only what the load and the move need: no HEAD before the conditional GET.
            assertThat(requests.getOrDefault("HeadObjectRequest", new java.util.concurrent.atomic.AtomicInteger()).get()).isZero();
            assertThat(requests.get("GetObjectRequest").get()).isEqualTo(10);
        }
    }

    @Test
    void crashAfterCommitBeforeMove_redelivery_movesWithoutLoadingAgain() {
        // Arrange: the load commits, then the worker "dies" before moving anything.
        table("t_crash");
        List<FileMessage> files = List.of(h.put("incoming/crash/a.csv", csv(1, 5)), h.put("incoming/crash/b.csv", csv(6, 5)));
        LoaderConfig config = LoaderConfig.fromEnv(h.env("DB_TABLE", "t_crash", "DB_LEDGER_TABLE", "t_crash_ledger"));
        try (PostgresDestination first = new PostgresDestination(config.database(), h.s3, () -> null)) {
            assertThat(first.load(files, "batch-1")).allMatch(r -> r instanceof LoadResult.Loaded);
        }
        assertThat(h.keys("incoming/crash/")).hasSize(2);

        // Act: the messages come back.
        BatchOutcome redelivered = loader("t_crash").processor().process(deliveries(files));

        // Assert
        assertThat(redelivered.failedMessageIds()).isEmpty();
        assertThat(redelivered.processed()).isEqualTo(2);
        assertThat(h.count("SELECT count(*) FROM t_crash")).isEqualTo(10);
        assertThat(h.count("SELECT count(*) FROM t_crash_ledger")).isEqualTo(2);
        assertThat(h.keys("processed/crash/")).containsExactlyInAnyOrder("processed/crash/a.csv", "processed/crash/b.csv");
    }

    @Test
    void loadedAndAlreadyLoaded_carryTheLedgersLoadTime_theSameOnARedelivery() {
        // Arrange
        table("t_times");
        List<FileMessage> files = List.of(h.put("incoming/times/a.csv", csv(1, 2)), h.put("incoming/times/b.csv", csv(3, 2)));
        LoaderConfig config = LoaderConfig.fromEnv(h.env("DB_TABLE", "t_times", "DB_LEDGER_TABLE", "t_times_ledger"));

        // Act: a load, then the same files again (a redelivery after a crash before the move).
        List<LoadResult> first;
        List<LoadResult> again;
        try (PostgresDestination d = new PostgresDestination(config.database(), h.s3, () -> null)) {
            first = d.load(files, "times-1");
            again = d.load(files, "times-2");
        }

        // Assert: both carry the ledger's loaded_at (PROCESSED_KEY_TIME=load files by it), one per transaction.
        assertThat(h.count("SELECT count(DISTINCT loaded_at) FROM t_times_ledger")).isEqualTo(1);
        java.time.Instant ledger = java.time.Instant.parse(h.one("SELECT to_char(min(loaded_at) AT TIME ZONE 'UTC', "
                + "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') FROM t_times_ledger"));
        assertThat(first).hasSize(2).allSatisfy(r -> assertThat(r).isInstanceOfSatisfying(LoadResult.Loaded.class,
                l -> assertThat(l.loadedAt()).isEqualTo(ledger)));
        assertThat(again).hasSize(2).allSatisfy(r -> assertThat(r).isInstanceOfSatisfying(LoadResult.AlreadyLoaded.class,
                a -> assertThat(a.loadedAt()).isEqualTo(ledger)));
    }

    @Test
    void sameMessageTwiceAtOnce_secondWaitsOnTheFirstsClaimAndSkips() throws Exception {
        // Arrange: the first worker stalls inside its load, on a's body, after claiming a; the second
        // worker starts only then, so both are inside the load together.
        table("t_twice");
        List<FileMessage> files = List.of(h.put("incoming/twice/a.csv", csv(1, 4)), h.put("incoming/twice/b.csv", csv(5, 4)));
        java.util.concurrent.CountDownLatch firstInside = new java.util.concurrent.CountDownLatch(1);
        SlowBodies slow = new SlowBodies("twice/a.csv", firstInside::countDown);
        ExecutorService workers = Executors.newFixedThreadPool(2);
        try (software.amazon.awssdk.services.s3.S3Client s3 = slow.client();
             LoaderWiring loader = new LoaderWiring(LoaderConfig.fromEnv(h.env("DB_TABLE", "t_twice", "DB_LEDGER_TABLE", "t_twice_ledger",
                     "DB_SSL_MODE", "disable")), new LoaderWiring.Clients(s3, () -> null), line -> { }, java.time.Clock.systemUTC())) {

            // Act
            Future<BatchOutcome> first = workers.submit(() -> loader.processor().process(deliveries(files)));
            assertThat(firstInside.await(60, java.util.concurrent.TimeUnit.SECONDS)).as("first worker reads a's body").isTrue();
            Future<BatchOutcome> second = workers.submit(() -> loader.processor().process(deliveries(files)));
            List<String> blockedBy = waitForAClaimBlockedByAnotherLoader();
            slow.release();
            BatchOutcome one = first.get(60, java.util.concurrent.TimeUnit.SECONDS);
            BatchOutcome two = second.get(60, java.util.concurrent.TimeUnit.SECONDS);

            // Assert: the second worker's claim waited on a session of the first (both loading at once) ...
            assertThat(blockedBy).as("blocked loader session, its blocker").hasSize(2).doesNotHaveDuplicates();
            // ... then found the rows committed and skipped them: every row once, both moved.
            assertThat(one.failedMessageIds()).isEmpty();
            assertThat(two.failedMessageIds()).isEmpty();
            assertThat(h.count("SELECT count(*) FROM t_twice")).isEqualTo(8);
            assertThat(h.count("SELECT count(DISTINCT id) FROM t_twice")).isEqualTo(8);
            assertThat(h.column("SELECT DISTINCT batch_id FROM t_twice_ledger")).hasSize(1);
            assertThat(h.keys("processed/twice/")).hasSize(2);
            assertThat(h.keys("incoming/twice/")).isEmpty();
        } finally {
            slow.release();
            workers.shutdownNow();
        }
    }

    /**
     * Waits (on the condition, up to a minute) until a loader session waits for a lock held by
     * another loader session, and returns both pids.
     */
    private static List<String> waitForAClaimBlockedByAnotherLoader() throws InterruptedException {
        long until = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(1);
        while (System.nanoTime() < until) {
            String pair = h.one("SELECT a.pid || ',' || b.pid FROM pg_stat_activity a "
                    + "JOIN pg_stat_activity b ON b.pid = ANY (pg_blocking_pids(a.pid)) "
                    + "WHERE a.application_name = 's3loader' AND b.application_name = 's3loader' LIMIT 1");
            if (pair != null) {
                return List.of(pair.split(","));
            }
            Thread.sleep(200);
        }
        return List.of();
    }

    @Test
    void overwrittenFile_newEtag_isLoadedAgain() {
        // Arrange
        table("t_overwrite");
        LoaderWiring loader = loader("t_overwrite");
        FileMessage v1 = h.put("incoming/overwrite/k.csv", csv(1, 2));
        loader.processor().process(deliveries(List.of(v1)));

        // Act
        FileMessage v2 = h.put("incoming/overwrite/k.csv", csv(100, 3));
        BatchOutcome second = loader.processor().process(deliveries(List.of(v2)));

        // Assert
        assertThat(v2.etag()).isNotEqualTo(v1.etag());
        assertThat(second.processed()).isEqualTo(1);
        assertThat(h.count("SELECT count(*) FROM t_overwrite")).isEqualTo(5);
        assertThat(h.column("SELECT etag FROM t_overwrite_ledger WHERE key = 'incoming/overwrite/k.csv' ORDER BY loaded_at"))
                .containsExactlyInAnyOrder(v1.etag(), v2.etag());
    }

    @Test
    void staleMessage_forAnOverwrittenVersion_loadsNothing() {
        // Arrange: the message names v1, but v2 is there now (If-Match on GetObject: 412).
        table("t_stale");
        FileMessage v1 = h.put("incoming/stale/k.csv", csv(1, 2));
        h.put("incoming/stale/k.csv", csv(10, 2));
        LoaderConfig config = LoaderConfig.fromEnv(h.env("DB_TABLE", "t_stale", "DB_LEDGER_TABLE", "t_stale_ledger"));

        // Act
        List<LoadResult> results;
        try (PostgresDestination d = new PostgresDestination(config.database(), h.s3, () -> null)) {
            results = d.load(List.of(v1), "stale");
        }

        // Assert
        assertThat(results).singleElement().isInstanceOf(LoadResult.SourceChanged.class);
        assertThat(h.count("SELECT count(*) FROM t_stale")).isZero();
        assertThat(h.count("SELECT count(*) FROM t_stale_ledger")).isZero();
    }

    @Test
    void oneMalformedRow_amongTenFiles_onlyThatFileFailsWithItsLine() {
        // Arrange
        table("t_malformed");
        List<FileMessage> files = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String body = i == 6 ? "60,ok,1\n61,ok,2\n62,bad,notanumber\n63,ok,4\n" : csv(i * 10, 4);
            files.add(h.put("incoming/malformed/f" + i + ".csv", body));
        }

        // Act
        BatchOutcome outcome = loader("t_malformed", "MERGE_KEYS", "").processor().process(deliveries(files));

        // Assert
        assertThat(outcome.failedMessageIds()).isEmpty();
        assertThat(outcome.processed()).isEqualTo(9);
        assertThat(outcome.failed()).isEqualTo(1);
        assertThat(h.count("SELECT count(*) FROM t_malformed")).isEqualTo(36);
        assertThat(h.count("SELECT count(*) FROM t_malformed WHERE id BETWEEN 60 AND 63")).isZero();
        assertThat(h.keys("failed/malformed/")).containsExactly("failed/malformed/f6.csv");
        ErrorReport report = h.report("_s3loader/reports/keys/malformed/f6.csv.error.json");
        assertThat(report.reason()).contains("line 3").contains("amount");
        assertThat(report.detail()).containsEntry("line", "3").containsEntry("column", "amount")
                .containsEntry("sqlState", "22P02");
        assertThat(h.count("SELECT count(*) FROM t_malformed_ledger")).isEqualTo(9);
    }

    @Test
    void gzipFiles_loadByTheirSuffix_corruptGzipFails() {
        // Arrange
        table("t_gzip");
        FileMessage gz = h.put("incoming/gzip/a.csv.gz", Harness.gzip(csv(1, 50)));
        FileMessage plain = h.put("incoming/gzip/b.csv", csv(51, 5));
        FileMessage corrupt = h.put("incoming/gzip/c.csv.gz", "this is not gzip");

        // Act
        BatchOutcome outcome = loader("t_gzip").processor().process(deliveries(List.of(gz, plain, corrupt)));

        // Assert
        assertThat(outcome.processed()).isEqualTo(2);
        assertThat(outcome.failed()).isEqualTo(1);
        assertThat(h.count("SELECT count(*) FROM t_gzip")).isEqualTo(55);
        assertThat(h.report("_s3loader/reports/keys/gzip/c.csv.gz.error.json").reason()).contains("not a valid gzip file");
    }

    @Test
    void csvOptions_headerDelimiterQuoteNull_areApplied() {
        // Arrange
        table("t_dialect");
        FileMessage f = h.put("incoming/dialect/a.txt", "id;name;amount\n1;'semi;colon';NA\n2;'it''s';7\n");

        // Act
        BatchOutcome outcome = loader("t_dialect", "CSV_DELIMITER", ";", "CSV_QUOTE", "'", "CSV_HEADER", "true",
                "CSV_NULL", "NA").processor().process(deliveries(List.of(f)));

        // Assert
        assertThat(outcome.processed()).isEqualTo(1);
        assertThat(h.column("SELECT name || ':' || coalesce(amount::text, 'null') FROM t_dialect ORDER BY id"))
                .containsExactly("semi;colon:null", "it's:7");
    }

    @Test
    void jsonLines_keysMatchColumns_badLineRejected() {
        // Arrange
        table("t_json");
        FileMessage good = h.put("incoming/json/a.jsonl", "{\"id\": 1, \"name\": \"a\\\"b\", \"amount\": 3}\n"
                + "{\"amount\": 4, \"id\": 2, \"other\": [1]}\n\n");
        FileMessage bad = h.put("incoming/json/b.jsonl", "{\"id\": 3}\n{\"id\": 4,\n");

        // Act
        BatchOutcome outcome = loader("t_json", "FILE_FORMAT", "json").processor().process(deliveries(List.of(good, bad)));

        // Assert
        assertThat(outcome.processed()).isEqualTo(1);
        assertThat(h.column("SELECT id || ':' || coalesce(name, '-') || ':' || amount FROM t_json ORDER BY id"))
                .containsExactly("1:a\"b:3", "2:-:4");
        assertThat(h.report("_s3loader/reports/keys/json/b.jsonl.error.json").detail()).containsEntry("line", "2")
                .doesNotContainKey("column");
    }

    @Test
    void mergeMode_updatesMatchingKeys_lastRowOfTheBatchWins() {
        // Arrange
        table("t_merge");
        LoaderWiring loader = loader("t_merge", "LOAD_MODE", "merge", "MERGE_KEYS", "id");
        loader.processor().process(deliveries(List.of(h.put("incoming/merge/1.csv", "1,one,1\n2,two,2\n3,three,3\n"))));

        // Act: id 2 twice in one batch (two files), id 4 new.
        BatchOutcome outcome = loader.processor().process(deliveries(List.of(
                h.put("incoming/merge/2.csv", "2,two-a,20\n4,four,4\n"),
                h.put("incoming/merge/3.csv", "2,two-b,21\n3,three-b,30\n"))));

        // Assert
        assertThat(outcome.processed()).isEqualTo(2);
        assertThat(h.column("SELECT id || ':' || name || ':' || amount FROM t_merge ORDER BY id"))
                .containsExactly("1:one:1", "2:two-b:21", "3:three-b:30", "4:four:4");
    }

    @Test
    void keyWithQuoteAndSemicolon_isData_notSql() {
        // Arrange
        table("t_inject");
        String key = "incoming/inject/x'); DROP TABLE t_inject; --\".csv";
        FileMessage f = h.put(key, csv(1, 2));

        // Act
        BatchOutcome outcome = loader("t_inject").processor().process(deliveries(List.of(f)));

        // Assert
        assertThat(outcome.processed()).isEqualTo(1);
        assertThat(h.count("SELECT count(*) FROM t_inject")).isEqualTo(2);
        assertThat(h.column("SELECT key FROM t_inject_ledger")).containsExactly(key);
        assertThat(h.keys("processed/inject/")).containsExactly("processed/inject/x'); DROP TABLE t_inject; --\".csv");
    }

    @Test
    void maxConcurrencyOne_loadsNeverOverlap() throws Exception {
        // Arrange: POST_SQL fails any load that runs while another holds the lock.
        table("t_conc");
        LoaderWiring loader = loader("t_conc", "MAX_CONCURRENCY", "1", "POST_SQL",
                "SELECT CASE WHEN pg_try_advisory_xact_lock(4242) THEN pg_sleep(0.2)::text ELSE CAST('overlap-' || pg_backend_pid() AS int)::text END");
        ExecutorService pollers = Executors.newFixedThreadPool(3);
        List<Future<BatchOutcome>> runs = new ArrayList<>();

        // Act
        for (int i = 0; i < 3; i++) {
            FileMessage f = h.put("incoming/conc/f" + i + ".csv", csv(i * 10, 2));
            runs.add(pollers.submit(() -> loader.processor().process(deliveries(List.of(f)))));
        }

        // Assert
        for (Future<BatchOutcome> r : runs) {
            assertThat(r.get().failedMessageIds()).isEmpty();
        }
        pollers.shutdown();
        assertThat(h.count("SELECT count(*) FROM t_conc")).isEqualTo(6);
    }

    @Test
    void databaseDown_batchGoesBack_nothingMoves_thenRecovers() {
        // Arrange
        table("t_down");
        try (TcpProxy proxy = new TcpProxy(h.pg.port())) {
            LoaderWiring loader = h.loader(h.env("DB_TABLE", "t_down", "DB_LEDGER_TABLE", "t_down_ledger",
                    "DB_URL", "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/" + h.database, "DB_CONNECT_TIMEOUT_SECONDS", "2"));
            loader.processor().process(deliveries(List.of(h.put("incoming/down/warm.csv", csv(0, 1)))));
            List<FileMessage> files = List.of(h.put("incoming/down/a.csv", csv(1, 3)), h.put("incoming/down/b.csv", csv(4, 3)));

            // Act 1: the database is unreachable.
            proxy.stop();
            BatchOutcome refused = loader.processor().process(deliveries(files));

            // Act 2: it dies in the middle of a COPY.
            proxy.start();
            proxy.cutAfterClientBytes(20_000);
            FileMessage big = h.put("incoming/down/big.csv", csv(1000, 5000));
            BatchOutcome cut = loader.processor().process(deliveries(List.of(big)));

            // Act 3: it is back.
            BatchOutcome recovered = loader.processor().process(deliveries(List.of(files.get(0), files.get(1), big)));

            // Assert
            assertThat(proxy.cuts()).isEqualTo(1);
            assertThat(refused.failedMessageIds()).hasSize(2);
            assertThat(cut.failedMessageIds()).hasSize(1);
            assertThat(refused.processed() + refused.failed() + cut.processed() + cut.failed()).isZero();
            assertThat(recovered.failedMessageIds()).isEmpty();
            assertThat(recovered.processed()).isEqualTo(3);
            assertThat(h.count("SELECT count(*) FROM t_down")).isEqualTo(1 + 6 + 5000);
            assertThat(h.keys("failed/down/")).isEmpty();
            assertThat(h.keys("incoming/down/")).isEmpty();
        }
    }

    @Test
    void connectionLostAtCommit_ledgerSettlesIt_noSecondLoad() {
        // Arrange
        table("t_commit");
        try (TcpProxy proxy = new TcpProxy(h.pg.port())) {
            // prepareThreshold=0: every COMMIT goes over the wire as text, for the proxy to spot.
            LoaderWiring loader = h.loader(h.env("DB_TABLE", "t_commit", "DB_LEDGER_TABLE", "t_commit_ledger",
                    "DB_URL", "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/" + h.database + "?prepareThreshold=0"));
            loader.processor().process(deliveries(List.of(h.put("incoming/commit/warm.csv", csv(0, 1)))));
            List<FileMessage> files = List.of(h.put("incoming/commit/a.csv", csv(1, 3)), h.put("incoming/commit/b.csv", csv(4, 3)));

            // Act: COMMIT reaches the server; its answer never reaches the loader.
            proxy.cutAfterClientSends("COMMIT");
            BatchOutcome first = loader.processor().process(deliveries(files));
            BatchOutcome again = loader.processor().process(deliveries(files));

            // Assert
            assertThat(proxy.cuts()).isEqualTo(1);
            assertThat(first.failedMessageIds()).isEmpty();
            assertThat(first.processed()).isEqualTo(2);
            assertThat(again.processed()).isZero();
            assertThat(h.count("SELECT count(*) FROM t_commit")).isEqualTo(7);
            assertThat(h.count("SELECT count(*) FROM t_commit_ledger")).isEqualTo(3);
        }
    }

    @Test
    void secretArn_suppliesHostPortDatabaseAndUser_readOnce() throws Exception {
        // Arrange
        table("t_secret");
        String arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf";
        try (EmbeddedSecretsManager secrets = EmbeddedSecretsManager.start();
             SecretsManagerClient client = dev.s3loader.embedded.SdkClients.local(SecretsManagerClient.builder(), secrets.endpoint(),
                     software.amazon.awssdk.regions.Region.US_EAST_1, "k", "s").build()) {
            secrets.put(arn, "{\"engine\":\"postgres\",\"host\":\"127.0.0.1\",\"port\":" + h.pg.port()
                    + ",\"dbname\":\"" + h.database + "\",\"username\":\"" + h.pg.user() + "\",\"password\":\"x\"}");
            java.util.Map<String, String> env = h.env("DB_TABLE", "t_secret", "DB_LEDGER_TABLE", "t_secret_ledger",
                    "DB_SECRET_ARN", arn);
            env.remove("DB_URL");
            env.remove("DB_USER");
            env.remove("DB_PASSWORD");
            LoaderConfig config = LoaderConfig.fromEnv(env);

            // Act
            try (PostgresDestination d = new PostgresDestination(config.database(), h.s3, () -> client)) {
                d.load(List.of(h.put("incoming/secret/a.csv", csv(1, 2))), "s1");
                d.load(List.of(h.put("incoming/secret/b.csv", csv(3, 2))), "s2");
            }

            // Assert
            assertThat(secrets.reads()).isEqualTo(1);
            assertThat(h.count("SELECT count(*) FROM t_secret")).isEqualTo(4);
        }
    }
}
