package dev.s3loader.loader.destination.postgres;

import static dev.s3loader.loader.destination.postgres.Harness.csv;
import static org.assertj.core.api.Assertions.assertThat;

import dev.s3loader.loader.destination.Deadline;
import dev.s3loader.loader.destination.LoadResult;
import dev.s3loader.model.FileMessage;
import dev.s3loader.model.LoaderConfig;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Defect 9: a postgres batch must finish by its deadline. What is loaded by then commits, the
 * file in progress and those not started come back as {@link LoadResult.Retry}, and a second
 * delivery loads exactly the rest.
 */
class PostgresDeadlineTest {
    private static Harness h;

    @BeforeAll
    static void start() {
        h = new Harness("pg_deadline_test");
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    private static void table(String name) {
        h.sql("DROP TABLE IF EXISTS " + name + "; DROP TABLE IF EXISTS " + name + "_ledger; "
                + "CREATE TABLE " + name + " (id int NOT NULL, name text, amount int)");
    }

    private static PostgresDestination destination(String table, S3Client s3) {
        LoaderConfig config = LoaderConfig.fromEnv(h.env("DB_TABLE", table, "DB_LEDGER_TABLE", table + "_ledger"));
        return new PostgresDestination(config.database(), s3, () -> null);
    }

    /** A clock that stands still until a test moves it. */
    static final class TestClock extends Clock {
        private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));

        void advance(Duration d) {
            now.updateAndGet(t -> t.plus(d));
        }

        @Override
        public Instant instant() {
            return now.get();
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    @Test
    void load_deadlinePassesWhileAFileStreams_doneFilesCommitTheRestRetry_secondDeliveryLoadsTheRest() throws Exception {
        // Arrange: six files; the fourth (in claim order) stalls, and the deadline passes while it does.
        // It is larger than ReadAhead.MAX_BYTES, so it streams while it is COPYed (a small file is read
        // ahead, and that stall is the next test's).
        table("t_dl_slow");
        TestClock clock = new TestClock();
        Deadline deadline = Deadline.in(Duration.ofMinutes(10), clock);
        SlowBodies slow = new SlowBodies("/b-slow", () -> clock.advance(Duration.ofMinutes(10).minusSeconds(1)));
        List<FileMessage> files = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            files.add(h.put("incoming/dl/a" + i + ".csv", csv(i * 10, 4)));
        }
        int slowRows = 80_000; // over a MiB of CSV
        files.add(h.put("incoming/dl/b-slow.csv", csv(1000, slowRows)));
        assertThat(files.get(3).size()).isGreaterThan(ReadAhead.MAX_BYTES);
        for (int i = 0; i < 2; i++) {
            files.add(h.put("incoming/dl/c" + i + ".csv", csv(200 + i * 10, 4)));
        }

        // Act
        List<LoadResult> first;
        try (S3Client s3 = slow.client(); PostgresDestination d = destination("t_dl_slow", s3)) {
            first = CompletableFuture.supplyAsync(() -> d.load(files, "dl-1", deadline)).get(90, TimeUnit.SECONDS);
        }
        slow.release();
        List<LoadResult> second;
        try (PostgresDestination d = destination("t_dl_slow", h.s3)) {
            second = d.load(files, "dl-2", Deadline.none());
        }

        // Assert
        assertThat(first.subList(0, 3)).allMatch(r -> r instanceof LoadResult.Loaded);
        assertThat(first.subList(3, 6)).allMatch(r -> r instanceof LoadResult.Retry);
        assertThat(((LoadResult.Retry) first.get(3)).reason()).contains("deadline");
        assertThat(second.subList(0, 3)).allMatch(r -> r instanceof LoadResult.AlreadyLoaded);
        assertThat(second.subList(3, 6)).allMatch(r -> r instanceof LoadResult.Loaded);
        assertThat(h.count("SELECT count(*) FROM t_dl_slow")).isEqualTo(20 + slowRows);
        assertThat(h.count("SELECT count(DISTINCT id) FROM t_dl_slow")).isEqualTo(20 + slowRows);
        assertThat(h.column("SELECT batch_id FROM t_dl_slow_ledger ORDER BY key"))
                .containsExactly("dl-1", "dl-1", "dl-1", "dl-2", "dl-2", "dl-2");
    }

    @Test
    void load_deadlinePassesWhileASmallFileIsReadAhead_itAndTheRestRetry_secondDeliveryLoadsThemOnce() throws Exception {
        // Arrange: five small files (read ahead of their turn); the fourth's body stalls until aborted.
        table("t_dl_ahead");
        SlowBodies slow = new SlowBodies("/b-stall", () -> { });
        List<FileMessage> files = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            files.add(h.put("incoming/dl-ahead/a" + i + ".csv", csv(i * 10, 4)));
        }
        files.add(h.put("incoming/dl-ahead/b-stall.csv", csv(100, 4)));
        files.add(h.put("incoming/dl-ahead/c.csv", csv(200, 4)));

        // Act: a deadline a few seconds away, on the real clock; then a second delivery without one.
        List<LoadResult> first;
        try (S3Client s3 = slow.client(); PostgresDestination d = destination("t_dl_ahead", s3)) {
            Deadline deadline = Deadline.in(Duration.ofSeconds(6), Clock.systemUTC());
            first = CompletableFuture.supplyAsync(() -> d.load(files, "ahead-1", deadline)).get(90, TimeUnit.SECONDS);
        }
        slow.release();
        List<LoadResult> second;
        try (PostgresDestination d = destination("t_dl_ahead", h.s3)) {
            second = d.load(files, "ahead-2", Deadline.none());
        }

        // Assert: the stalled file and the one after it go back (the wait for the stalled read ended
        // at the work time); what loaded before committed; the second delivery loads the rest, once.
        assertThat(first.subList(3, 5)).allMatch(r -> r instanceof LoadResult.Retry);
        assertThat(((LoadResult.Retry) first.get(3)).reason()).contains("deadline");
        assertThat(first).allMatch(r -> r instanceof LoadResult.Loaded || r instanceof LoadResult.Retry);
        for (int i = 0; i < 5; i++) {
            assertThat(second.get(i)).isInstanceOf(first.get(i) instanceof LoadResult.Loaded
                    ? LoadResult.AlreadyLoaded.class : LoadResult.Loaded.class);
        }
        assertThat(h.count("SELECT count(*) FROM t_dl_ahead")).isEqualTo(20);
        assertThat(h.count("SELECT count(DISTINCT id) FROM t_dl_ahead")).isEqualTo(20);
        assertThat(h.count("SELECT count(*) FROM t_dl_ahead_ledger")).isEqualTo(5);
        assertThat(h.count("SELECT sum(row_count) FROM t_dl_ahead_ledger")).isEqualTo(20);
    }

    @Test
    void load_claimBlockedByAnotherTransactionPastTheDeadline_returnsInTimeWithRetry_thenLoads() throws Exception {
        // Arrange: another transaction holds the claim of the first file (as a worker that took the same message would).
        table("t_dl_lock");
        List<FileMessage> files = List.of(h.put("incoming/dl-lock/a.csv", csv(1, 3)), h.put("incoming/dl-lock/b.csv", csv(4, 3)));
        try (PostgresDestination d = destination("t_dl_lock", h.s3)) {
            d.load(List.of(h.put("incoming/dl-lock/warm.csv", csv(0, 1))), "warm"); // creates the ledger
            List<LoadResult> first;
            try (Connection holder = h.connect()) {
                holder.setAutoCommit(false);
                try (PreparedStatement p = holder.prepareStatement(
                        "INSERT INTO t_dl_lock_ledger (key, etag, size, batch_id) VALUES (?, ?, 0, 'holder')")) {
                    p.setString(1, files.get(0).key());
                    p.setString(2, files.get(0).etag());
                    p.executeUpdate();
                }

                // Act: a deadline a few seconds away, on the real clock.
                Deadline deadline = Deadline.in(Duration.ofSeconds(6), Clock.systemUTC());
                first = CompletableFuture.supplyAsync(() -> d.load(files, "dl-lock-1", deadline)).get(90, TimeUnit.SECONDS);
                holder.rollback();
            }
            List<LoadResult> second = d.load(files, "dl-lock-2", Deadline.none());

            // Assert
            assertThat(first).allMatch(r -> r instanceof LoadResult.Retry);
            assertThat(second).allMatch(r -> r instanceof LoadResult.Loaded);
            assertThat(h.count("SELECT count(*) FROM t_dl_lock")).isEqualTo(7);
            assertThat(h.count("SELECT count(*) FROM t_dl_lock_ledger")).isEqualTo(3);
        }
    }

    @Test
    void load_deadlineAlreadyTooNear_retriesEverythingWithoutLoading() {
        // Arrange
        table("t_dl_near");
        List<FileMessage> files = List.of(h.put("incoming/dl-near/a.csv", csv(1, 3)));

        // Act
        List<LoadResult> results;
        try (PostgresDestination d = destination("t_dl_near", h.s3)) {
            results = d.load(files, "near", Deadline.in(Duration.ofMillis(100), Clock.systemUTC()));
        }

        // Assert
        assertThat(results).singleElement().isInstanceOf(LoadResult.Retry.class);
        assertThat(h.count("SELECT count(*) FROM t_dl_near")).isZero();
    }
}
