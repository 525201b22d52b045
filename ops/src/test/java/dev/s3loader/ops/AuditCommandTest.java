package dev.s3loader.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.s3loader.embedded.EmbeddedSecretsManager;
import dev.s3loader.embedded.EmbeddedS3;
import dev.s3loader.embedded.fixtures.SdkCredentialProperties;
import dev.s3loader.model.InFlight;
import dev.s3loader.model.ListerState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * {@code s3loader audit} against the embedded S3 and PostgreSQL: a healthy bucket passes, and
 * each kind of broken invariant fails the audit and names the key.
 */
class AuditCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final AuditFixture f = new AuditFixture();

    @AfterEach
    void close() {
        f.close();
    }

    /** Files in every stage, as a pipeline leaves them, with awkward keys: the invariants hold. */
    private void healthy() {
        f.withLedger(true);
        f.put("incoming/waiting/one.csv", "1\n");
        f.processed("p/a.csv", "a\n");
        f.processed("p/b.csv", "b\n");
        f.processed("awkward/ctl\u0001char\ttab\rcr trailing ", "c\n");
        f.processed("awkward/ünïcödé 😀/日本語.csv", "u\n");
        f.failed("bad/rows.csv", "x\n", "line 2: invalid input syntax for type bigint: \"x\"");
    }

    @Test
    void audit_healthyBucketAndLedger_holdsAndExitsZero() {
        healthy();

        AuditFixture.Run r = f.audit(true);

        assertThat(r.err()).isEmpty();
        assertThat(r.status()).as(r.out()).isEqualTo(0);
        assertThat(r.out()).contains("incoming/   1 file", "processed/  4 files", "failed/     1 file, 1 error report",
                "ledger      4 rows", "'failed/bad/rows.csv'  line 2: invalid input syntax", "result: the invariants hold");
    }

    @Test
    void audit_json_parsesAndKeepsKeysByteForByte() throws Exception {
        healthy();
        f.put("incoming/awkward/ctl\u0001char\ttab\rcr trailing  waiting", "w\n");

        AuditFixture.Run r = f.audit(true, "--json");

        assertThat(r.status()).as(r.out() + r.err()).isEqualTo(0);
        JsonNode j = JSON.readTree(r.out());
        assertThat(j.path("holds").asBoolean()).isTrue();
        assertThat(j.path("violations").asLong()).isZero();
        assertThat(j.path("incoming").path("files").asLong()).isEqualTo(2);
        assertThat(j.path("processed").path("files").asLong()).isEqualTo(4);
        assertThat(j.path("ledgerRows").asLong()).isEqualTo(4);
        assertThat(j.path("failed").path("keys").get(0).path("reason").asText()).startsWith("line 2: invalid input");
        assertThat(j.path("findings").path("ledger-duplicate").path("count").asLong()).isZero();
        assertThat(j.path("findings").path("key-in-two-places").path("violation").asBoolean()).isTrue();
    }

    @Test
    void audit_sameVersionInIncomingAndProcessed_failsNamingTheKey() throws Exception {
        healthy();
        f.put("incoming/p/a.csv", "a\n");

        AuditFixture.Run r = f.audit(true);
        AuditFixture.Run j = f.audit(true, "--json");

        assertThat(r.status()).as(r.out()).isEqualTo(1);
        assertThat(r.out()).contains("VIOLATION key-in-two-places (1)", "'incoming/p/a.csv'  incoming processed (same version)",
                "result: 1 violation: the invariants do NOT hold");
        assertThat(j.status()).isEqualTo(1);
        JsonNode twice = JSON.readTree(j.out()).path("findings").path("key-in-two-places");
        assertThat(twice.path("count").asLong()).isEqualTo(1);
        assertThat(twice.path("keys").get(0).path("key").asText()).isEqualTo("incoming/p/a.csv");
    }

    @Test
    void audit_awkwardKeyInTwoPlaces_isNamedByteForByteInJsonAndEscapedInText() throws Exception {
        healthy();
        String rel = "awkward/ctl\u0001char\ttab\rcr trailing ";
        f.put("incoming/" + rel, "c\n");

        AuditFixture.Run j = f.audit(true, "--json");
        AuditFixture.Run t = f.audit(true);

        assertThat(j.status()).isEqualTo(1);
        assertThat(JSON.readTree(j.out()).path("findings").path("key-in-two-places").path("keys").get(0).path("key").asText())
                .isEqualTo("incoming/" + rel);
        assertThat(t.out()).contains("'incoming/awkward/ctl\\u0001char\\u0009tab\\u000dcr trailing '");
    }

    @Test
    void audit_newVersionDroppedAfterTheOldWasProcessed_isBacklogNotAViolation() {
        healthy();
        f.put("incoming/p/a.csv", "a, version 2\n");

        AuditFixture.Run r = f.audit(true);

        assertThat(r.status()).as(r.out()).isEqualTo(0);
        assertThat(r.out()).contains("incoming/   2 files");
    }

    @Test
    void audit_keyInProcessedAndFailed_fails() {
        healthy();
        f.put("failed/p/b.csv", "b\n");

        AuditFixture.Run r = f.audit(true);

        assertThat(r.status()).isEqualTo(1);
        assertThat(r.out()).contains("VIOLATION key-in-two-places (1)", "'incoming/p/b.csv'  processed failed (same version)");
    }

    @Test
    void audit_oneVersionProcessedAndALaterOneFailed_holds() {
        healthy();
        f.failed("p/b.csv", "b, version 2 with a bad row\n", "bad row");

        AuditFixture.Run r = f.audit(true);

        assertThat(r.status()).as(r.out()).isEqualTo(0);
        assertThat(r.out()).contains("failed/     2 files, 2 error reports");
    }

    @Test
    void audit_failedFileWithoutItsReport_failsNamingTheKeyAndTheMissingReport() {
        healthy();
        f.put("failed/bad/no-report.csv", "z\n");
        // Beyond the first --keys failed files the audit checks reports by HEAD instead of reading them.
        f.put("failed/bad/zz-no-report.csv", "z\n");

        AuditFixture.Run r = f.audit(true, "--keys", "2");

        assertThat(r.status()).isEqualTo(1);
        assertThat(r.out()).contains("VIOLATION failed-without-report (2)",
                "'failed/bad/no-report.csv'  expected _s3loader/reports/keys/bad/no-report.csv.error.json",
                "'failed/bad/zz-no-report.csv'  expected _s3loader/reports/keys/bad/zz-no-report.csv.error.json");
    }

    @Test
    void audit_ledgerRowWithoutProcessedFile_fails() {
        healthy();
        f.ledgerRow("incoming/gone/lost.csv", "\"0123456789abcdef0123456789abcdef\"");

        AuditFixture.Run r = f.audit(true);

        assertThat(r.status()).isEqualTo(1);
        assertThat(r.out()).contains("VIOLATION ledger-row-without-processed-file (1)", "'incoming/gone/lost.csv'");
    }

    @Test
    void audit_processedFileWithoutLedgerRow_fails() {
        healthy();
        f.put("processed/p/unrecorded.csv", "u\n");

        AuditFixture.Run r = f.audit(true);

        assertThat(r.status()).isEqualTo(1);
        assertThat(r.out()).contains("VIOLATION processed-without-ledger-row (1)", "'processed/p/unrecorded.csv'");
    }

    @Test
    void audit_processedFileWithoutLedgerRow_isNotCheckedForTheCopyDestination() {
        f.put("processed/p/unrecorded.csv", "u\n");

        AuditFixture.Run r = f.audit(false, "--destination", "copy");

        assertThat(r.status()).as(r.out()).isEqualTo(0);
        assertThat(r.out()).contains("ledger not checked (copy destination)");
    }

    @Test
    void audit_duplicateLedgerRow_failsNamingKeyAndEtag() {
        f.withLedger(false);
        f.processed("p/a.csv", "a\n");
        String etag = f.put("processed/p/twice.csv", "t\n");
        f.ledgerRow("incoming/p/twice.csv", etag);
        f.ledgerRow("incoming/p/twice.csv", etag);

        AuditFixture.Run r = f.audit(true);

        assertThat(r.status()).isEqualTo(1);
        assertThat(r.out()).contains("VIOLATION ledger-duplicate (1)", "'incoming/p/twice.csv'  etag " + etag + " x2");
    }

    @Test
    void audit_loadedFileInFailed_fails() {
        healthy();
        String etag = f.put("failed/bad/loaded.csv", "l\n");
        f.failed("bad/loaded.csv", "l\n", "throttled on the last receive");
        f.ledgerRow("incoming/bad/loaded.csv", etag);

        AuditFixture.Run r = f.audit(true);

        assertThat(r.status()).isEqualTo(1);
        assertThat(r.out()).contains("VIOLATION loaded-file-in-failed (1)", "'failed/bad/loaded.csv'");
    }

    @Test
    void audit_nameShapedLikeAnUnfinishedWrite_isNotedAndStillCountedAsAFile() {
        healthy();
        // A producer may name a file so; in processed/ without a ledger row it is a violation as any file would be.
        String shaped = "processed/p3/f001667.csv-" + UUID.randomUUID();
        f.put(shaped, "half");

        AuditFixture.Run r = f.audit(true);

        assertThat(r.out()).contains("phantom-object (1)", "'" + shaped + "'", "processed/  5 files")
                .doesNotContain("VIOLATION phantom-object");
        assertThat(r.out()).contains("VIOLATION processed-without-ledger-row (1)");
        assertThat(r.status()).isEqualTo(1);
    }

    @Test
    void audit_reportWhoseFileWasPutBack_isANoteNotAViolation() {
        healthy();
        f.failed("bad/requeued.csv", "r\n", "bad row");
        f.s3.deleteObject(b -> b.bucket(f.bucket).key("failed/bad/requeued.csv"));
        f.put("incoming/bad/requeued.csv", "r\n");

        AuditFixture.Run r = f.audit(true);

        assertThat(r.status()).as(r.out()).isEqualTo(0);
        assertThat(r.out()).contains("note      report-without-failed-file (1)",
                "'_s3loader/reports/keys/bad/requeued.csv.error.json'  for 'incoming/bad/requeued.csv'");
    }

    @Test
    void audit_listerState_reportsInFlightAndStuckWithKeys() {
        f.put("incoming/q/fresh.csv", "1\n");
        String stuckEtag = f.put("incoming/q/stuck.csv", "2\n");
        String freshEtag = f.s3.headObject(b -> b.bucket(f.bucket).key("incoming/q/fresh.csv")).eTag();
        f.put("incoming/q/waiting.csv", "3\n");
        TreeMap<String, InFlight> entries = new TreeMap<>();
        entries.put("incoming/q/fresh.csv", new InFlight(freshEtag, Instant.now(), 1));
        entries.put("incoming/q/stuck.csv", new InFlight(stuckEtag, Instant.now().minus(Duration.ofHours(2)), 5));
        entries.put("incoming/q/done.csv", new InFlight("\"old\"", Instant.now(), 1));
        f.s3.putObject(b -> b.bucket(f.bucket).key("_s3loader/lister-state"),
                RequestBody.fromBytes(new ListerState(entries).encode()));

        AuditFixture.Run r = f.audit(false);

        assertThat(r.status()).as(r.out()).isEqualTo(0);
        assertThat(r.out()).contains("incoming/   3 files", "1 in flight, 1 stuck, 1 waiting",
                "in flight 'incoming/q/fresh.csv'  1 dispatch", "stuck     'incoming/q/stuck.csv'  5 dispatches");
    }

    @Test
    void audit_corruptListerState_isANoteAndNothingCountsAsInFlight() {
        f.put("incoming/q/a.csv", "1\n");
        f.put("_s3loader/lister-state", "not gzip");

        AuditFixture.Run r = f.audit(false);

        assertThat(r.status()).as(r.out()).isEqualTo(0);
        assertThat(r.out()).contains("0 in flight, 0 stuck, 1 waiting", "note      lister-state-unreadable (1)");
    }

    @Test
    void audit_sameVersionInTwoPlacesWhileDispatched_isANoteThatALoaderIsMovingIt() {
        f.put("processed/p/a.csv", "a\n");
        String etag = f.put("incoming/p/a.csv", "a\n");
        f.s3.putObject(b -> b.bucket(f.bucket).key("_s3loader/lister-state"), RequestBody.fromBytes(new ListerState(
                new TreeMap<>(Map.of("incoming/p/a.csv", new InFlight(etag, Instant.now(), 1)))).encode()));

        AuditFixture.Run r = f.audit(false);

        assertThat(r.status()).as(r.out()).isEqualTo(0);
        assertThat(r.out()).contains("note      moving (1)");
    }

    @Test
    void audit_awsStyleEndpointAndDefaultCredentialChain_readsTheSameBucket() {
        healthy();
        try (var credentials = SdkCredentialProperties.set(EmbeddedS3.ACCESS_KEY, EmbeddedS3.SECRET_KEY)) {
            AuditFixture.Run r = AuditFixture.run(Map.of("BUCKET", f.bucket, "AWS_REGION", "us-east-1",
                    "DB_URL", AuditFixture.postgres().jdbcUrl(), "DB_USER", "postgres", "DB_LEDGER_TABLE", f.ledger),
                    "audit", "--s3-endpoint", f.server.endpoint().toString());

            assertThat(r.status()).as(r.out() + r.err()).isEqualTo(0);
            assertThat(r.out()).contains("ledger: postgres table " + f.ledger, "processed/  4 files");
        }
    }

    @Test
    void audit_ledgerDatabaseFromASecret_readsHostPortDatabaseAndLoginFromIt() throws Exception {
        healthy();
        var pg = AuditFixture.postgres();
        try (EmbeddedSecretsManager secrets = EmbeddedSecretsManager.start();
             var credentials = SdkCredentialProperties.set("k", "s")) {
            String arn = "arn:aws:secretsmanager:us-east-1:000000000000:secret:s3loader-db";
            secrets.put(arn, "{\"host\":\"127.0.0.1\",\"port\":" + pg.port() + ",\"dbname\":\"postgres\","
                    + "\"username\":\"postgres\",\"password\":\"from-the-secret\"}");
            System.setProperty("aws.endpointUrlSecretsManager", secrets.endpoint().toString());
            AuditFixture.Run r = f.run("audit", "--local", "--bucket", f.bucket, "--db-secret-arn", arn, "--ledger-table", f.ledger);

            assertThat(r.status()).as(r.out() + r.err()).isEqualTo(0);
            assertThat(secrets.reads()).isEqualTo(1);
            assertThat(r.out()).contains("ledger      4 rows").doesNotContain("from-the-secret");
        } finally {
            System.clearProperty("aws.endpointUrlSecretsManager");
        }
    }

    @Test
    void localConstants_matchTheEmbeddedServers() {
        assertThat(ConnectionOptions.LOCAL_ACCESS_KEY).isEqualTo(EmbeddedS3.ACCESS_KEY);
        assertThat(ConnectionOptions.LOCAL_SECRET_KEY).isEqualTo(EmbeddedS3.SECRET_KEY);
    }

    @Test
    void badArguments_eachGetOneClearLineAndExitTwo() {
        record Case(List<String> args, Map<String, String> env, String message) {
        }
        List<Case> cases = List.of(
                new Case(List.of("audit"), Map.of(), "s3loader audit: which pipeline? give --stack NAME (on AWS), --local (scripts/local on this machine) or --bucket NAME (or set BUCKET)"),
                new Case(List.of("audit", "--bucket", "Not_A_Bucket"), Map.of(), "--bucket must be an S3 bucket name"),
                new Case(List.of("audit", "--bucket", "b1x", "--frobnicate"), Map.of(), "Unknown option: '--frobnicate'"),
                new Case(List.of("audit", "--bucket", "b1x", "--page-size", "0"), Map.of(), "--page-size must be between 1 and 1000, got 0"),
                new Case(List.of("audit", "--bucket", "b1x", "--keys", "many"), Map.of(), "Invalid value for option '--keys'"),
                new Case(List.of("audit", "--bucket", "b1x", "--destination", "oracle"), Map.of(),
                        "--destination must be one of copy, postgres, redshift, got 'oracle'"),
                new Case(List.of("audit", "--bucket", "b1x", "--destination", "postgres"), Map.of(),
                        "the postgres destination needs --db-url"),
                new Case(List.of("audit", "--bucket", "b1x", "--db-url", "postgres://h/db"), Map.of(),
                        "--db-url must start with jdbc:postgresql:"),
                new Case(List.of("audit", "--bucket", "b1x", "--destination", "redshift"), Map.of(),
                        "the redshift destination needs exactly one of --workgroup (or REDSHIFT_WORKGROUP, Serverless) and --cluster-id"),
                new Case(List.of("audit", "--bucket", "b1x", "--workgroup", "wg", "--cluster-id", "c"), Map.of(),
                        "the redshift destination needs exactly one of --workgroup"),
                new Case(List.of("audit", "--bucket", "b1x"), Map.of("REDSHIFT_WORKGROUP", "wg"),
                        "the redshift destination needs --database (or DB_NAME)"),
                new Case(List.of("audit", "--bucket", "b1x", "--workgroup", "wg", "--database", "dev", "--db-user", "u"), Map.of(),
                        "--db-user (DB_USER) applies to a provisioned cluster only"),
                new Case(List.of("audit", "--bucket", "b1x", "--cluster-id", "c", "--database", "dev", "--db-user", "u"),
                        Map.of("DB_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:1:secret:x"), "or --db-user (DB_USER), not both"),
                new Case(List.of("audit", "--bucket", "b1x", "--workgroup", "wg", "--database", "dev", "--ledger-keys-per-statement", "0"),
                        Map.of(), "--ledger-keys-per-statement must be between 1 and 1000000, got 0"),
                new Case(List.of("audit", "--bucket", "b1x", "--workgroup", "wg", "--database", "dev", "--region", "us-east-1",
                        "--redshift-endpoint", "localhost:1"), Map.of(), "--redshift-endpoint must be an http(s) URL"),
                new Case(List.of("audit", "--bucket", "b1x", "--s3-endpoint", "localhost:9000"), Map.of(),
                        "--s3-endpoint must be an http(s) URL"),
                new Case(List.of("audit", "--bucket", "b1x", "--local"), Map.of("S3LOADER_S3_PORT", "99999"),
                        "S3LOADER_S3_PORT must be a port between 1 and 65535"),
                new Case(List.of("audit", "--bucket", "b1x", "--local"), Map.of("MAX_ATTEMPTS", "0"),
                        "MAX_ATTEMPTS must be between 1 and 1000, got 0"),
                new Case(List.of("audit", "--bucket", "b1x", "--local"), Map.of("INCOMING_PREFIX", "/in"),
                        "INCOMING_PREFIX must not start with '/'"),
                new Case(List.of("frobnicate"), Map.of(), "unknown command 'frobnicate'; the commands are status, check, requeue"),
                new Case(List.of(), Map.of(), "name a command: status, check, requeue, unstick, redrive, audit"));
        List<String> seen = new ArrayList<>();
        for (Case c : cases) {
            AuditFixture.Run r = AuditFixture.run(c.env(), c.args().toArray(String[]::new));
            seen.add(c.args() + " → " + r.status() + " " + r.err().strip());
            assertThat(r.status()).as(c.args().toString() + r.err()).isEqualTo(2);
            assertThat(r.err().strip()).as(c.args().toString()).contains(c.message()).doesNotContain("\n").doesNotContain("Exception");
            assertThat(r.out()).as(c.args().toString()).isEmpty();
        }
        System.out.println(String.join("\n", seen));
    }

    @Test
    void audit_unreachableBucket_exitsThreeWithTheReason() {
        AuditFixture.Run r = f.run("audit", "--local", "--bucket", "no-such-bucket-" + UUID.randomUUID().toString().substring(0, 8));

        assertThat(r.status()).isEqualTo(3);
        assertThat(r.err().strip()).startsWith("s3loader audit: no such bucket s3://no-such-bucket-").doesNotContain("\n");
    }
}
