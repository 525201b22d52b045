package dev.s3loader.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.s3loader.embedded.EmbeddedSqs;
import dev.s3loader.embedded.SharedServers;
import dev.s3loader.model.Layout;
import dev.s3loader.model.ListerRun;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * {@code s3loader check --local} against the embedded S3, SQS and PostgreSQL: every item holds on a
 * healthy pipeline and nothing is left behind; then each problem provoked once (a missing table, a
 * role without INSERT, an unreachable database, no lister run), each reported on one line with what
 * to do, exit status 1.
 */
class CheckCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Layout LAYOUT = Layout.defaults();

    private final S3Client s3 = SharedServers.s3().newClient();
    private final String bucket = "check-" + UUID.randomUUID().toString().substring(0, 12);
    private final EmbeddedSqs.Queues queues = SharedServers.sqs().createQueueWithDeadLetterQueue(bucket, 3, Duration.ofSeconds(300));
    private final String database = "check_" + UUID.randomUUID().toString().substring(0, 8);

    CheckCommandTest() {
        SharedServers.s3().createBucket(bucket);
        SharedServers.postgres().createDatabase(database);
    }

    @AfterEach
    void close() {
        s3.close();
    }

    private void listerRan(Instant endedAt) {
        // The record a lister run leaves for status and check (model ListerRun, at the layout's key).
        s3.putObject(b -> b.bucket(bucket).key(LAYOUT.listerLastRunKey()), RequestBody.fromString(ListerRun.ok(
                endedAt.minusSeconds(2), endedAt, new ListerRun.Figures(0, 0, 0, 0, 0, 0, 0, 0, 0, true)).toJson()));
    }

    private void sql(String statement) throws Exception {
        try (Connection c = SharedServers.postgres().dataSource(database).getConnection(); Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    private Map<String, String> env(String... pairs) {
        Map<String, String> env = new HashMap<>();
        env.put("S3LOADER_S3_PORT", String.valueOf(SharedServers.s3().port()));
        env.put("S3LOADER_SQS_PORT", String.valueOf(SharedServers.sqs().port()));
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        return env;
    }

    private Map<String, String> postgres(String... more) {
        Map<String, String> env = env(more);
        env.put("DESTINATION", "postgres");
        env.putIfAbsent("DB_URL", SharedServers.postgres().jdbcUrl(database));
        env.putIfAbsent("DB_USER", "postgres");
        env.put("DB_SSL_MODE", "disable");
        env.putIfAbsent("DB_TABLE", "rows");
        return env;
    }

    private StatusCommandTest.Run check(Map<String, String> env, String... more) {
        String[] args = new String[6 + more.length];
        System.arraycopy(new String[] {"check", "--local", "--bucket", bucket, "--queue-url", queues.queueUrl()}, 0, args, 0, 6);
        System.arraycopy(more, 0, args, 6, more.length);
        String[] all = java.util.stream.Stream.concat(java.util.Arrays.stream(args),
                java.util.stream.Stream.of("--dead-letter-queue-url", queues.deadLetterQueueUrl())).toArray(String[]::new);
        return StatusCommandTest.run(env, all);
    }

    private long leftUnderInternal() {
        return s3.listObjectsV2(b -> b.bucket(bucket).prefix(LAYOUT.internal() + "preflight/")).keyCount();
    }

    @Test
    void check_healthyCopyPipeline_everyItemHoldsAndNothingIsLeft() {
        listerRan(Instant.now());

        StatusCommandTest.Run r = check(env());

        assertThat(r.status()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("s3loader check of scripts/local (s3://" + bucket + ")",
                "  ok       queue redrive policy: after 3 receives a message goes to ",
                "  ok       lister last run: ok, ended at ",
                "  ok       s3 internal prefix: wrote, read back and deleted s3://" + bucket + "/_s3loader/preflight/",
                "  ok       s3 incoming listing: listed s3://" + bucket + "/incoming/",
                "  ok       s3 store conditions: deletes: DeleteObjects with each key's ETag; copies: CopySourceIfMatch",
                "result: all 5 hold (exit status 0)");
        assertThat(leftUnderInternal()).isZero();
        assertThat(SharedServers.sqs().newClient().getQueueAttributes(b -> b.queueUrl(queues.queueUrl())
                .attributeNamesWithStrings("ApproximateNumberOfMessages")).attributesAsStrings())
                .containsEntry("ApproximateNumberOfMessages", "0");
    }

    @Test
    void check_healthyPostgresPipeline_tableLedgerAndConnectionHold() throws Exception {
        listerRan(Instant.now());
        sql("CREATE TABLE rows (id bigint, name text)");

        StatusCommandTest.Run r = check(postgres("LOAD_MODE", "merge", "MERGE_KEYS", "id"), "--json");

        assertThat(r.status()).as(r.out() + r.err()).isZero();
        JsonNode report = JSON.readTree(r.out());
        assertThat(report.get("holds").asBoolean()).isTrue();
        assertThat(report.get("loader").findValuesAsText("name")).containsExactly("s3 internal prefix", "s3 incoming listing",
                "database connection", "table", "ledger", "temporary tables", "s3 store conditions");
        assertThat(report.get("loader").get(2).get("detail").asText()).contains("connected to postgresql://127.0.0.1:", "/" + database + " as postgres,",
                "no TLS (DB_SSL_MODE=disable)");
        assertThat(report.get("loader").get(4).get("detail").asText())
                .isEqualTo("s3loader_ledger does not exist yet: the first load creates it (postgres may CREATE in schema \"public\")");
        assertThat(leftUnderInternal()).isZero();
    }

    @Test
    void check_missingTable_problemNamesTheTableAndWhatToDo() {
        listerRan(Instant.now());

        StatusCommandTest.Run r = check(postgres("DB_TABLE", "public.nowhere"));

        assertThat(r.status()).as(r.out() + r.err()).isEqualTo(1);
        assertThat(r.out()).contains("  PROBLEM  table: public.nowhere does not exist (or postgres cannot see its schema) -- do: "
                + "create public.nowhere (or fix DB_TABLE; a schema must be named as [schema.]table)", "result: 1 problem (exit status 1)");
    }

    @Test
    void check_roleWithoutInsert_problemGivesTheGrant() throws Exception {
        listerRan(Instant.now());
        String role = "reader_" + UUID.randomUUID().toString().substring(0, 8);
        sql("CREATE TABLE rows (id bigint)");
        sql("CREATE TABLE s3loader_ledger (\"key\" text, \"etag\" text)");
        sql("CREATE ROLE " + role + " LOGIN");
        sql("GRANT SELECT ON rows TO " + role);
        sql("GRANT SELECT, INSERT ON s3loader_ledger TO " + role);

        StatusCommandTest.Run r = check(postgres("DB_USER", role));

        assertThat(r.status()).as(r.out() + r.err()).isEqualTo(1);
        assertThat(r.out()).contains(
                "  PROBLEM  table: rows: " + role + " lacks INSERT -- do: GRANT INSERT ON \"rows\" TO \"" + role + "\"",
                "  PROBLEM  ledger: s3loader_ledger: " + role + " lacks UPDATE, DELETE -- do: GRANT UPDATE, DELETE ON \"s3loader_ledger\" TO \""
                        + role + "\"",
                "result: 2 problems (exit status 1)");
    }

    @Test
    void check_unreachableDatabase_problemSaysCheckHostPortAndNetwork() throws Exception {
        listerRan(Instant.now());
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }

        StatusCommandTest.Run r = check(postgres("DB_URL", "jdbc:postgresql://127.0.0.1:" + closed + "/postgres",
                "DB_CONNECT_TIMEOUT_SECONDS", "2"));

        assertThat(r.status()).as(r.out() + r.err()).isEqualTo(1);
        assertThat(r.out()).containsPattern("  PROBLEM  database connection: cannot connect to PostgreSQL at postgresql://127\\.0\\.0\\.1:" + closed
                + "/postgres: .* -- do: check the host and port in DB_URL \\(or the secret's host\\), that the database runs, and that "
                + "the loader's network reaches it");
        assertThat(r.out().lines().filter(l -> l.startsWith("  PROBLEM")).count()).isEqualTo(1);
    }

    @Test
    void check_noListerRunAndStaleRun_areProblems() {
        StatusCommandTest.Run none = check(env());
        listerRan(Instant.now().minus(Duration.ofMinutes(30)));
        StatusCommandTest.Run stale = check(env());

        assertThat(none.status()).isEqualTo(1);
        assertThat(none.out()).contains("  PROBLEM  lister last run: the lister has not recorded a run yet -- do: wait one schedule "
                + "period, then read the lister's log");
        assertThat(stale.status()).isEqualTo(1);
        assertThat(stale.out()).contains("min ago (more than --stale-after 10 min) -- do: check the schedule and the lister's errors");
    }

    @Test
    void check_badArguments_exitTwoWithOneLine() {
        StatusCommandTest.Run neither = StatusCommandTest.run(env(), "check");
        StatusCommandTest.Run stale = StatusCommandTest.run(env(), "check", "--local", "--stale-after", "0");

        assertThat(neither.status()).isEqualTo(2);
        assertThat(neither.err().strip()).isEqualTo("s3loader check: name the pipeline: --stack NAME (a deployed stack) or --local (scripts/local)");
        assertThat(stale.status()).isEqualTo(2);
        assertThat(stale.err().strip()).isEqualTo("s3loader check: --stale-after must be between 1 and 10080 minutes, got 0");
    }

    @Test
    void check_localRedshift_dataApiPrivilegesAndCopyRoleHold() throws Exception {
        listerRan(Instant.now());
        String table = "chk_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        RedshiftAuditFixture.Server.API.endpoint(); // started (and its database created) before the table goes in
        try (Connection c = SharedServers.postgres().dataSource(RedshiftAuditFixture.DATABASE).getConnection();
             Statement st = c.createStatement()) {
            st.execute("CREATE TABLE " + table + " (id int)");
        }

        StatusCommandTest.Run r = check(env("DESTINATION", "redshift", "DB_NAME", RedshiftAuditFixture.DATABASE, "DB_TABLE", table,
                "DB_LEDGER_TABLE", table + "_ledger"), "--redshift-endpoint", RedshiftAuditFixture.Server.API.endpoint().toString());

        assertThat(r.status()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("  ok       redshift data api: workgroup local, database " + RedshiftAuditFixture.DATABASE,
                "  ok       table: " + table + ": postgres may INSERT",
                "  ok       temporary tables: ",
                "  ok       copy role: COPY read s3://" + bucket + "/_s3loader/manifests/preflight-");
        assertThat(s3.listObjectsV2(b -> b.bucket(bucket).prefix("_s3loader/manifests/")).keyCount()).isZero();
    }
}
