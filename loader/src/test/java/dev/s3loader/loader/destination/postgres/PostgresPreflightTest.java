package dev.s3loader.loader.destination.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3loader.model.CheckItem;
import dev.s3loader.model.LoaderConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The postgres destination's preflight on the server that checks passwords and speaks TLS
 * ({@link SecureServer}): over verified TLS every item holds and says so; a wrong password is one
 * problem naming the credentials to check (never the password); a CA the server's certificate does
 * not chain to is one problem naming DB_SSL_ROOT_CERT.
 */
class PostgresPreflightTest {
    private static final String WRONG = "wrong-Passw0rd-7f3a";
    private static Harness h;
    private static TestPki pki;

    @BeforeAll
    static void start() {
        pki = SecureServer.pki();
        h = new Harness("pg_preflight_test", SecureServer.server());
        h.sql("DROP TABLE IF EXISTS t_pre; DROP TABLE IF EXISTS t_pre_ledger; CREATE TABLE t_pre (id int, name text)");
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    private static List<CheckItem> preflight(String... kv) {
        Map<String, String> env = h.env("DB_TABLE", "t_pre", "DB_LEDGER_TABLE", "t_pre_ledger",
                "DB_USER", SecureServer.ROLE, "DB_PASSWORD", SecureServer.FIRST_PASSWORD,
                "DB_SSL_ROOT_CERT", pki.ca.toString(), "DB_CONNECT_TIMEOUT_SECONDS", "5");
        env.remove("DB_SSL_MODE"); // verify-full, the default
        for (int i = 0; i < kv.length; i += 2) {
            env.put(kv[i], kv[i + 1]);
        }
        try (PostgresDestination d = new PostgresDestination(LoaderConfig.fromEnv(env).database(), h.s3, () -> null)) {
            return d.preflight();
        }
    }

    @Test
    void preflight_verifiedTls_everyItemHolds() {
        List<CheckItem> items = preflight();

        assertThat(items).extracting(CheckItem::name).containsExactly("database connection", "table", "ledger");
        assertThat(items).allMatch(CheckItem::ok);
        assertThat(items.get(0).detail()).endsWith(" as " + SecureServer.ROLE + ", TLS (DB_SSL_MODE=verify-full: the server's "
                + "certificate chains to DB_SSL_ROOT_CERT and names the host)");
    }

    @Test
    void preflight_wrongPassword_oneProblemNamingTheCredentials() {
        List<CheckItem> items = preflight("DB_PASSWORD", WRONG);

        assertThat(items).hasSize(1);
        CheckItem i = items.get(0);
        assertThat(i.ok()).isFalse();
        assertThat(i.name()).isEqualTo("database connection");
        assertThat(i.detail()).contains("28P01").doesNotContain(WRONG).doesNotContain(SecureServer.FIRST_PASSWORD);
        assertThat(i.fix()).startsWith("check DB_USER and DB_PASSWORD (or the username and password in the secret DB_SECRET_ARN)");
    }

    @Test
    void preflight_caTheServerDoesNotChainTo_oneProblemNamingTheCaFile() {
        List<CheckItem> items = preflight("DB_SSL_ROOT_CERT", pki.wrongCa.toString());

        assertThat(items).hasSize(1);
        assertThat(items.get(0).ok()).isFalse();
        assertThat(items.get(0).fix()).startsWith("check DB_SSL_MODE and DB_SSL_ROOT_CERT");
    }
}
