package dev.s3loader.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.s3loader.loader.BatchOutcome;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code s3loader audit --destination redshift} on a ledger the real loader wrote through the local
 * Redshift Data API: a clean load holds; a ledger row without its file, a processed file without its
 * row and a duplicated row each fail the audit with their finding, named byte for byte. The keys
 * include pairs Redshift's VARCHAR comparison cannot tell apart (a trailing blank) or orders
 * otherwise than S3 (control characters, a character above U+FFFF).
 */
class AuditRedshiftCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * Relative keys in incoming/: twins up to a trailing blank, control characters, 4-byte UTF-8.
     * (No BMP character above the surrogates, e.g. U+FFFD, beside a 4-byte one: the embedded S3
     * server lists those two in UTF-16 order, which the audit rightly refuses; RedshiftLedgerTest
     * checks that pair on the ledger alone.)
     */
    static final List<String> KEYS = List.of("k/a.csv", "k/a.csv ", "k/a.csv\u0001", "k/a.csv\t", "k/a.csv\r",
            "k/\uD83D\uDE00.csv", "k/日本.csv", "k/b.csv", "k/ünï cödé.csv", "k/z.csv");

    private final RedshiftAuditFixture f = new RedshiftAuditFixture();

    @AfterEach
    void close() {
        f.close();
    }

    private void loadAll() {
        BatchOutcome outcome = f.load(KEYS);
        assertThat(outcome.failedMessageIds()).isEmpty();
        assertThat(outcome.processed()).isEqualTo(KEYS.size());
    }

    private static List<String> keys(JsonNode finding) {
        List<String> keys = new ArrayList<>();
        finding.path("keys").forEach(k -> keys.add(k.path("key").asText()));
        return keys;
    }

    @Test
    void audit_redshiftLedgerAfterARealLoad_holdsAndExitsZero() {
        loadAll();

        AuditFixture.Run r = f.audit();

        assertThat(r.err()).isEmpty();
        assertThat(r.status()).as(r.out()).isEqualTo(0);
        assertThat(r.out()).contains("processed/  " + KEYS.size() + " files", "ledger      " + KEYS.size() + " rows",
                "redshift table " + f.ledger, "result: the invariants hold");
    }

    @Test
    void audit_redshiftSettingsFromTheLoadersVariables_readsTheSameLedger() {
        loadAll();
        java.util.Map<String, String> env = new java.util.HashMap<>(java.util.Map.of(
                "S3LOADER_S3_PORT", String.valueOf(f.files.server.port()), "DESTINATION", "redshift",
                "REDSHIFT_WORKGROUP", RedshiftAuditFixture.WORKGROUP, "DB_NAME", RedshiftAuditFixture.DATABASE,
                "DB_LEDGER_TABLE", f.ledger, "AWS_ENDPOINT_URL_REDSHIFT_DATA", RedshiftAuditFixture.Server.API.endpoint().toString()));

        AuditFixture.Run r = AuditFixture.run(env, "audit", "--local", "--bucket", f.files.bucket);

        assertThat(r.status()).as(r.out() + r.err()).isEqualTo(0);
        assertThat(r.out()).contains("ledger      " + KEYS.size() + " rows", "result: the invariants hold");
    }

    @Test
    void audit_redshiftLedgerRowWhoseFileLeftProcessed_failsNamingThatKeyOnly() throws Exception {
        loadAll();
        String gone = AuditFixture.LAYOUT.processed() + "k/a.csv ";
        f.files.s3.deleteObject(b -> b.bucket(f.files.bucket).key(gone));

        AuditFixture.Run r = f.audit("--json");

        assertThat(r.status()).as(r.out() + r.err()).isEqualTo(1);
        JsonNode findings = JSON.readTree(r.out()).path("findings");
        assertThat(keys(findings.path("ledger-row-without-processed-file"))).containsExactly("incoming/k/a.csv ");
        assertThat(findings.path("processed-without-ledger-row").path("count").asLong()).isZero();
        assertThat(findings.path("ledger-duplicate").path("count").asLong()).isZero();
    }

    @Test
    void audit_redshiftProcessedFileMissingFromTheLedger_failsNamingIt() throws Exception {
        loadAll();
        assertThat(f.sql("DELETE FROM " + f.ledger + " WHERE key_sha256 = ?", RedshiftAuditFixture.keyHash("incoming/k/a.csv\u0001")))
                .isEqualTo(1);

        AuditFixture.Run r = f.audit("--json");

        assertThat(r.status()).as(r.out() + r.err()).isEqualTo(1);
        JsonNode findings = JSON.readTree(r.out()).path("findings");
        assertThat(keys(findings.path("processed-without-ledger-row"))).containsExactly("processed/k/a.csv\u0001");
        assertThat(findings.path("ledger-row-without-processed-file").path("count").asLong()).isZero();
        assertThat(JSON.readTree(r.out()).path("ledgerRows").asLong()).isEqualTo(KEYS.size() - 1);
    }

    @Test
    void audit_redshiftDuplicateLedgerRow_failsNamingKeyAndEtag() {
        loadAll();
        String key = "incoming/k/\uD83D\uDE00.csv";
        assertThat(f.sql("INSERT INTO " + f.ledger + " SELECT * FROM " + f.ledger + " WHERE key_sha256 = ?",
                RedshiftAuditFixture.keyHash(key))).isEqualTo(1);

        AuditFixture.Run r = f.audit();

        assertThat(r.status()).as(r.out() + r.err()).isEqualTo(1);
        assertThat(r.out()).contains("VIOLATION ledger-duplicate (1)", "'" + key + "'  etag ", " x2");
        assertThat(r.out()).doesNotContain("ledger-row-without-processed-file (", "processed-without-ledger-row (");
    }
}
