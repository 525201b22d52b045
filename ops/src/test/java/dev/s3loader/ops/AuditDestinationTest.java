package dev.s3loader.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code s3loader audit --local} learns the destination scripts/local runs with from its data folder,
 * and never says the invariants hold when it could not check the ledger.
 */
class AuditDestinationTest {
    private final AuditFixture f = new AuditFixture().withLedger(true);

    @TempDir
    Path dataDir;

    @AfterEach
    void close() {
        f.close();
    }

    private AuditFixture.Run audit(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(extra);
        env.put("S3LOADER_S3_PORT", String.valueOf(f.server.port()));
        env.put("S3LOADER_PG_PORT", String.valueOf(AuditFixture.postgres().port()));
        env.put("DB_PASSWORD", AuditFixture.postgres().password());
        return AuditFixture.run(env, "audit", "--local", "--bucket", f.bucket, "--ledger-table", f.ledger);
    }

    @Test
    void auditLocal_dataFolderRunsPostgres_checksTheLedgerAndFindsAProcessedFileWithoutItsRow() throws Exception {
        // scripts/local --destination=postgres left this in its data folder (LocalDataFolder).
        Files.writeString(dataDir.resolve("destination.properties"), "destination=postgres\ntable=demo_rows\n");
        f.processed("loaded.csv", "1\n");
        f.put("processed/never-loaded.csv", "2\n");

        AuditFixture.Run r = audit(Map.of("S3LOADER_DATA_DIR", dataDir.toString()));

        assertThat(r.status()).as(r.out() + r.err()).isEqualTo(1);
        assertThat(r.out()).contains("ledger: postgres table " + f.ledger, "VIOLATION processed-without-ledger-row (1)",
                "'processed/never-loaded.csv'");
        assertThat(r.out()).doesNotContain("the invariants hold");
    }

    @Test
    void auditLocal_destinationUnknown_saysTheLedgerWasNotCheckedInsteadOfHold() {
        f.put("processed/never-loaded.csv", "2\n");

        AuditFixture.Run r = audit(Map.of("S3LOADER_DATA_DIR", dataDir.resolve("none").toString()));

        assertThat(r.out()).as(r.out() + r.err()).doesNotContain("the invariants hold");
        assertThat(r.out()).contains("result: no violation in the bucket; the ledger was NOT checked (destination unknown: pass "
                + "--destination copy, postgres or redshift, or --stack NAME)");
    }
}
