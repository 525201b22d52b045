package dev.s3loader.loader.destination.redshift;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3loader.embedded.redshift.EmbeddedRedshiftData;
import dev.s3loader.loader.destination.postgres.Harness;
import dev.s3loader.loader.ObjectCopier;
import dev.s3loader.model.CheckItem;
import dev.s3loader.model.LoaderConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.redshiftdata.RedshiftDataClient;

/**
 * The redshift destination's preflight through the local Data API: the Data API, the table's and
 * the ledger's privileges, TEMP, and the COPY role (a probe COPYed into a temporary table, then
 * deleted); a missing table is one problem.
 */
class RedshiftPreflightTest {
    private static final String ROLE = "arn:aws:iam::123456789012:role/s3loader-copy";
    private static Harness h;
    private static EmbeddedRedshiftData redshift;
    private static RedshiftDataClient client;
    private static final ExecutorService pool = Executors.newFixedThreadPool(2, Thread.ofPlatform().daemon(true).factory());

    @BeforeAll
    static void start() {
        h = new Harness("rs_preflight_test");
        redshift = EmbeddedRedshiftData.start(h.pg, h.s3);
        client = redshift.newClient();
        h.sql("DROP TABLE IF EXISTS p_rows; CREATE TABLE p_rows (id int, name varchar(40))");
    }

    @AfterAll
    static void stop() {
        client.close();
        redshift.close();
        h.close();
    }

    private static List<CheckItem> preflight(String table) {
        Map<String, String> env = new HashMap<>(Map.of("BUCKET", h.bucket, "DESTINATION", "redshift",
                "REDSHIFT_WORKGROUP", "s3loader", "DB_NAME", h.database, "REDSHIFT_IAM_ROLE", ROLE,
                "DB_TABLE", table, "DB_LEDGER_TABLE", "p_ledger"));
        LoaderConfig config = LoaderConfig.fromEnv(env);
        try (var d = new RedshiftDestination(config, h.s3, client, new ObjectCopier(h.s3, config.multipartThreshold(),
                config.multipartPartSize(), pool), pool, java.time.Duration.ofMillis(20))) {
            return d.preflight();
        }
    }

    @Test
    void preflight_tableThere_everyItemHoldsAndTheProbeIsGone() {
        List<CheckItem> items = preflight("p_rows");

        assertThat(items).extracting(CheckItem::name)
                .containsExactly("redshift data api", "table", "ledger", "temporary tables", "copy role");
        assertThat(items).as("%s", items).allMatch(CheckItem::ok);
        assertThat(items.get(4).detail()).startsWith("COPY read s3://" + h.bucket + "/_s3loader/manifests/preflight-")
                .endsWith(" with IAM_ROLE " + ROLE);
        assertThat(h.keys("_s3loader/")).isEmpty();
    }

    @Test
    void preflight_missingTable_oneProblemNamingIt() {
        List<CheckItem> items = preflight("p_nowhere");

        assertThat(items).filteredOn(i -> !i.ok()).singleElement().satisfies(i -> {
            assertThat(i.name()).isEqualTo("table");
            assertThat(i.detail()).startsWith("p_nowhere does not exist");
            assertThat(i.fix()).isEqualTo("create p_nowhere (or fix DB_TABLE)");
        });
    }
}
