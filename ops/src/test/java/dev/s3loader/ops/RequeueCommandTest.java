package dev.s3loader.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.s3loader.loader.LoaderWiring;
import dev.s3loader.loader.ObjectCopier;
import dev.s3loader.model.InFlight;
import dev.s3loader.ops.repair.FailedFile;
import dev.s3loader.ops.repair.Requeue;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code s3loader requeue} against the shared S3, SQS and PostgreSQL, with the real lister and
 * loader: a file that failed loads exactly once after its cause is fixed and it is requeued.
 */
class RequeueCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Keys are data: control characters, CR, TAB, '+', '%', unicode and a trailing blank. */
    private static final String AWKWARD = "bad/ctl\u0001 tab\t cr\r plus+ pct%41 ünï 😀 trailing ";
    private final RepairFixture f = new RepairFixture();

    @AfterEach
    void close() {
        f.close();
    }

    @Test
    void requeue_fileTheLoaderFailed_afterTheFixLoadsExactlyOnceAndEndsInProcessed() throws Exception {
        // Arrange: a real lister run and a real postgres load fail two files on a bigint column.
        f.sql("CREATE TABLE " + f.table + " (v bigint)");
        f.put("incoming/good.csv", "1\n2\n");
        f.put("incoming/" + AWKWARD, "3\nnot a number\n");
        f.put("incoming/bad/other.csv", "also bad\n");
        LoaderWiring loader = f.postgresLoader();
        f.lister().runOnce();
        f.drain(loader);
        assertThat(f.keys("failed/")).containsExactlyInAnyOrder("failed/" + AWKWARD, "failed/bad/other.csv");
        assertThat(f.exists("_s3loader/reports/keys/" + AWKWARD + ".error.json")).isTrue();
        // The lister has not run since the failure: its state still holds the file as in flight.
        assertThat(f.state().entries()).containsKey("incoming/" + AWKWARD);
        // The cause is fixed: the column takes text.
        f.sql("ALTER TABLE " + f.table + " ALTER COLUMN v TYPE text");

        // Act
        AuditFixture.Run r = f.run("requeue", "--yes");

        // Assert: back in incoming/, out of failed/, report gone, attempts cleared.
        assertThat(r.status()).as(r.out() + r.err()).isEqualTo(0);
        assertThat(r.out()).contains("2 files", "requeued 2");
        assertThat(f.keys("failed/")).isEmpty();
        assertThat(f.keys("_s3loader/reports/")).isEmpty();
        assertThat(f.keys("incoming/")).containsExactlyInAnyOrder("incoming/" + AWKWARD, "incoming/bad/other.csv");
        assertThat(f.state().entries()).doesNotContainKey("incoming/" + AWKWARD);

        // A real lister run and loader run load each exactly once; more runs change nothing.
        f.lister().runOnce();
        f.drain(loader);
        f.lister().runOnce();
        f.drain(loader);
        assertThat(f.keys("processed/")).containsExactlyInAnyOrder("processed/good.csv", "processed/" + AWKWARD,
                "processed/bad/other.csv");
        assertThat(f.keys("incoming/")).isEmpty();
        assertThat(f.keys("failed/")).isEmpty();
        assertThat(f.column("SELECT v FROM " + f.table + " ORDER BY v")).containsExactly("1", "2", "3", "also bad", "not a number");
        assertThat(f.column("SELECT key FROM " + f.table + "_ledger ORDER BY key"))
                .containsExactly("incoming/" + AWKWARD, "incoming/bad/other.csv", "incoming/good.csv");
    }

    @Test
    void requeue_withoutYes_saysWhatItWouldDoAndChangesNothing() throws Exception {
        f.failed(AWKWARD, "x\n", "line 1: invalid input syntax for type bigint");
        String failedEtag = f.failed("bad/b.csv", "y\n", "bad row");
        f.put("incoming/waiting.csv", "w\n");
        f.writeState(new TreeMap<>(Map.of("incoming/bad/b.csv", new InFlight(failedEtag, Instant.now(), 5))));
        Map<String, String> before = f.snapshot();

        AuditFixture.Run r = f.run("requeue");
        AuditFixture.Run j = f.run("requeue", "--json");

        assertThat(r.status()).as(r.out() + r.err()).isEqualTo(0);
        assertThat(r.out()).contains("2 files", "'failed/bad/b.csv'", "bad row", "'failed/bad/ctl\\u0001 tab\\u0009 cr\\u000d",
                "nothing changed; run again with --yes");
        assertThat(j.status()).isEqualTo(0);
        JsonNode json = JSON.readTree(j.out());
        assertThat(json.path("dryRun").asBoolean()).isTrue();
        assertThat(json.path("files").asLong()).isEqualTo(2);
        // Listed in UTF-8 byte order: failed/bad/b.csv first, then the awkward key, byte for byte.
        assertThat(json.path("sample").get(1).path("key").asText()).isEqualTo("failed/" + AWKWARD);
        assertThat(json.path("sample").get(1).path("incomingKey").asText()).isEqualTo("incoming/" + AWKWARD);
        assertThat(json.path("stateEntries").asLong()).isEqualTo(1);
        assertThat(f.snapshot()).isEqualTo(before);
    }

    @Test
    void requeue_newerVersionOfTheKeyInFlight_clearsOnlyTheFailedVersionsEntryAndLeavesTheNewerOneAlone() throws Exception {
        // Arrange: a real lister run and a real load fail dup.csv, then a producer drops a newer dup.csv
        // and a real lister run dispatches it: the state's entry for the key is now the newer version's.
        f.sql("CREATE TABLE " + f.table + " (v bigint)");
        f.put("incoming/dup.csv", "not a number\n");
        LoaderWiring loader = f.postgresLoader();
        f.lister().runOnce();
        f.drain(loader);
        assertThat(f.keys("failed/")).containsExactly("failed/dup.csv");
        String newer = f.put("incoming/dup.csv", "7\n");
        f.lister().runOnce();
        InFlight inFlight = f.state().entries().get("incoming/dup.csv");
        assertThat(inFlight.etag()).isEqualTo(newer);

        // Act
        AuditFixture.Run dry = f.run("requeue", "--json");
        AuditFixture.Run r = f.run("requeue", "--yes");

        // Assert: the failed file is skipped (incoming/ holds the producer's), the newer version's entry is untouched.
        assertThat(readJson(dry.out()).path("stateEntries").asLong()).isEqualTo(0);
        assertThat(r.status()).as(r.out() + r.err()).isEqualTo(1);
        assertThat(r.out()).contains("skipped 1", "lister state entries cleared: 0");
        assertThat(f.state().entries()).containsEntry("incoming/dup.csv", inFlight);
        assertThat(f.get("failed/dup.csv")).isEqualTo("not a number\n");
        assertThat(f.get("incoming/dup.csv")).isEqualTo("7\n");
    }

    @Test
    void requeue_killedBetweenCopyAndDelete_secondRunFinishesWithOneCopy() {
        String etag = f.failed(AWKWARD, "x\n", "bad row");
        ExecutorService parts = Executors.newFixedThreadPool(2);
        try {
            Requeue requeue = new Requeue(f.s3, f.bucket, RepairFixture.LAYOUT,
                    new ObjectCopier(f.s3, 5L << 30, 512L << 20, parts), 4);
            FailedFile file = requeue.describe("failed/" + AWKWARD);
            assertThat(file.etag()).isEqualTo(etag);

            // The first run copies, then dies before it deletes anything.
            assertThat(requeue.copyToIncoming(file)).isEqualTo(Requeue.Copy.COPIED);
            assertThat(f.exists("failed/" + AWKWARD)).isTrue();
            assertThat(f.exists("incoming/" + AWKWARD)).isTrue();
        } finally {
            parts.shutdown();
        }

        AuditFixture.Run r = f.run("requeue", "--yes", "--json");

        assertThat(r.status()).as(r.out() + r.err()).isEqualTo(0);
        JsonNode json = readJson(r.out());
        assertThat(json.path("requeued").asLong()).isEqualTo(1);
        assertThat(json.path("alreadyInIncoming").asLong()).isEqualTo(1);
        assertThat(f.keys("incoming/")).containsExactly("incoming/" + AWKWARD);
        assertThat(f.get("incoming/" + AWKWARD)).isEqualTo("x\n");
        assertThat(f.keys("failed/")).isEmpty();
        assertThat(f.keys("_s3loader/reports/")).isEmpty();
    }

    @Test
    void requeue_fileAboveTheMultipartThreshold_copiedInPartsAndAfterAKillComparedByteForByte() {
        byte[] body = new byte[12 * 1024 * 1024 + 7];
        new java.util.Random(7).nextBytes(body);
        String etag = f.s3.putObject(b -> b.bucket(f.bucket).key("failed/big/" + AWKWARD).contentType("text/csv")
                .metadata(Map.of("producer", "p1")), software.amazon.awssdk.core.sync.RequestBody.fromBytes(body)).eTag();
        byte[] sameSizeOtherBytes = body.clone();
        sameSizeOtherBytes[body.length - 1] ^= 1;
        f.s3.putObject(b -> b.bucket(f.bucket).key("failed/big/other.bin"), software.amazon.awssdk.core.sync.RequestBody.fromBytes(body));
        f.s3.putObject(b -> b.bucket(f.bucket).key("incoming/big/other.bin"),
                software.amazon.awssdk.core.sync.RequestBody.fromBytes(sameSizeOtherBytes));
        ExecutorService parts = Executors.newFixedThreadPool(2);
        try {
            Requeue requeue = new Requeue(f.s3, f.bucket, RepairFixture.LAYOUT,
                    new ObjectCopier(f.s3, 5L << 20, 5L << 20, parts), 2);
            FailedFile big = requeue.describe("failed/big/" + AWKWARD);

            // A copy in parts gets another etag than its source: the kill test's etag shortcut cannot tell.
            assertThat(requeue.copyToIncoming(big)).isEqualTo(Requeue.Copy.COPIED);
            var copied = f.s3.headObject(b -> b.bucket(f.bucket).key("incoming/big/" + AWKWARD));
            assertThat(copied.eTag()).isNotEqualTo(etag);
            assertThat(copied.contentType()).isEqualTo("text/csv");
            assertThat(copied.metadata()).containsEntry("producer", "p1");

            // The second run compares the bytes: the same file, finished; a same-sized different file, skipped.
            assertThat(requeue.requeue(big)).isEqualTo(Requeue.Outcome.ALREADY_IN_INCOMING);
            assertThat(requeue.requeue(requeue.describe("failed/big/other.bin"))).isEqualTo(Requeue.Outcome.SKIPPED_INCOMING_DIFFERS);
        } finally {
            parts.shutdown();
        }
        assertThat(f.s3.getObjectAsBytes(b -> b.bucket(f.bucket).key("incoming/big/" + AWKWARD)).asByteArray()).isEqualTo(body);
        assertThat(f.keys("failed/")).containsExactly("failed/big/other.bin");
        assertThat(f.s3.getObjectAsBytes(b -> b.bucket(f.bucket).key("incoming/big/other.bin")).asByteArray())
                .isEqualTo(sameSizeOtherBytes);
    }

    @Test
    void requeue_producerDroppedADifferentFileUnderTheSameKey_skipsItAndSaysSo() {
        f.failed("bad/a.csv", "old\n", "bad row");
        f.failed("bad/b.csv", "b\n", "bad row");
        f.put("incoming/bad/a.csv", "new from the producer\n");

        AuditFixture.Run dry = f.run("requeue");
        AuditFixture.Run r = f.run("requeue", "--yes");

        assertThat(dry.out()).contains("'failed/bad/a.csv'  bad row  [incoming/ already holds this key");

        assertThat(r.status()).as(r.out() + r.err()).isEqualTo(1);
        assertThat(r.out()).contains("requeued 1", "skipped 1", "'incoming/bad/a.csv'", "different file");
        assertThat(f.get("incoming/bad/a.csv")).isEqualTo("new from the producer\n");
        assertThat(f.get("failed/bad/a.csv")).isEqualTo("old\n");
        assertThat(f.exists("_s3loader/reports/keys/bad/a.csv.error.json")).isTrue();
        assertThat(f.get("incoming/bad/b.csv")).isEqualTo("b\n");
    }

    @Test
    void requeue_keepsContentTypeAndMetadata() {
        f.s3.putObject(b -> b.bucket(f.bucket).key("failed/m.json").contentType("application/x-ndjson")
                .metadata(Map.of("producer", "batch-7")), software.amazon.awssdk.core.sync.RequestBody.fromString("{}\n"));

        AuditFixture.Run r = f.run("requeue", "--yes");

        assertThat(r.status()).as(r.out() + r.err()).isEqualTo(0);
        var head = f.s3.headObject(b -> b.bucket(f.bucket).key("incoming/m.json"));
        assertThat(head.contentType()).isEqualTo("application/x-ndjson");
        assertThat(head.metadata()).containsEntry("producer", "batch-7");
    }

    @Test
    void requeue_prefixAndSince_selectWhichFiles() throws Exception {
        f.failed("a/1.csv", "1\n", "r");
        f.failed("b/2.csv", "2\n", "r");

        AuditFixture.Run future = f.run("requeue", "--since", Instant.now().plus(Duration.ofHours(1)).toString(), "--json");
        AuditFixture.Run recent = f.run("requeue", "--since", "1h", "--json");
        AuditFixture.Run prefix = f.run("requeue", "--prefix", "b/", "--yes");

        assertThat(readJson(future.out()).path("files").asLong()).isZero();
        assertThat(readJson(recent.out()).path("files").asLong()).isEqualTo(2);
        assertThat(prefix.status()).as(prefix.out() + prefix.err()).isEqualTo(0);
        assertThat(f.keys("incoming/")).containsExactly("incoming/b/2.csv");
        assertThat(f.keys("failed/")).containsExactly("failed/a/1.csv");
    }

    @Test
    void requeue_prefixThatLeavesFailed_refused_andPrefixFailedSaysWhatItSelects() {
        f.failed("a/1.csv", "1\n", "r");

        AuditFixture.Run escape = f.run("requeue", "--prefix", "../incoming/");
        AuditFixture.Run whole = f.run("requeue", "--prefix", "failed/");

        assertThat(escape.status()).isEqualTo(2);
        assertThat(escape.err()).isEqualTo("s3loader requeue: --prefix must stay inside failed/ (it is relative to failed/, e.g."
                + " 2026/01/): no '.' or '..' segment, got '../incoming/'\n");
        assertThat(whole.status()).as(whole.err()).isEqualTo(0);
        assertThat(whole.out()).startsWith("--prefix 'failed/' starts with failed/, so it is taken as the whole prefix: every file"
                + " in failed/ (a prefix such as 2026/01/ is relative to failed/)\n");
    }

    @Test
    void requeue_sinceADate_selectsFromItsStartInUtc() {
        f.failed("a/1.csv", "1\n", "r");

        AuditFixture.Run date = f.run("requeue", "--since", "2026-01-01", "--json");
        AuditFixture.Run tomorrow = f.run("requeue", "--since", java.time.LocalDate.now(java.time.ZoneOffset.UTC).plusDays(2).toString(),
                "--json");

        assertThat(date.status()).as(date.err()).isEqualTo(0);
        assertThat(readJson(date.out()).path("since").asText()).isEqualTo("2026-01-01T00:00:00Z");
        assertThat(readJson(date.out()).path("files").asLong()).isEqualTo(1);
        assertThat(readJson(tomorrow.out()).path("files").asLong()).isZero();
    }

    @Test
    void requeue_dryRunAfterACorrectedUpload_saysTheFileChanged() {
        f.failed("fix.csv", "not a number\n", "line 1: invalid input syntax for type bigint");
        f.put("failed/fix.csv", "1\n");

        AuditFixture.Run r = f.run("requeue");

        assertThat(r.out()).contains("'failed/fix.csv'  [changed since it failed (a corrected upload?); the reason was for the"
                + " earlier version] line 1: invalid input syntax for type bigint");
    }

    @Test
    void requeue_nothingInFailed_saysSoAndExitsZero() {
        AuditFixture.Run r = f.run("requeue", "--yes");

        assertThat(r.status()).as(r.out() + r.err()).isEqualTo(0);
        assertThat(r.out()).contains("0 files");
    }

    @Test
    void requeue_badArguments_oneClearLineAndExitTwo() {
        record Case(List<String> args, String message) {
        }
        List<Case> cases = List.of(
                new Case(List.of("--since", "yesterday"), "--since must be an ISO-8601 instant"),
                new Case(List.of("--since", "-2h"), "--since must be an ISO-8601 instant"),
                new Case(List.of("--prefix", "/abs"), "--prefix"),
                new Case(List.of("--concurrency", "0"), "--concurrency must be between 1 and 64"));
        for (Case c : cases) {
            AuditFixture.Run r = f.run("requeue", c.args().toArray(String[]::new));
            assertThat(r.status()).as(c.args() + r.err()).isEqualTo(2);
            assertThat(r.err().strip()).as(c.args().toString()).startsWith("s3loader requeue: ").contains(c.message())
                    .doesNotContain("\n");
            assertThat(r.out()).isEmpty();
        }
    }

    private static JsonNode readJson(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }
}
