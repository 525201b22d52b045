package dev.s3loader.loader.destination.postgres;

import static dev.s3loader.loader.destination.postgres.Harness.csv;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.s3loader.embedded.EmbeddedSecretsManager;
import dev.s3loader.loader.BatchOutcome;
import dev.s3loader.loader.Delivery;
import dev.s3loader.loader.TransientLoadException;
import dev.s3loader.loader.destination.LoadResult;
import dev.s3loader.model.FileMessage;
import dev.s3loader.model.LoaderConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * Defect 11 and the untested secret re-reading: on a server that speaks TLS with a certificate
 * from a CA made for this JVM and checks passwords, the destination verifies the server
 * (verify-full), refuses one signed by another CA, never shows a password in a result, a report
 * or a log line, and reads a rotated secret again after a refused login.
 */
class PostgresSecurityTest {
    private static final String ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf";
    /** Fails a load that does not run over TLS. */
    private static final String REQUIRE_TLS = "SELECT CASE WHEN (SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()) "
            + "THEN 1 ELSE CAST('not over TLS: ' || pg_backend_pid() AS int) END";
    private static Harness h;
    private static TestPki pki;

    @BeforeAll
    static void start() {
        pki = SecureServer.pki();
        h = new Harness("pg_security_test", SecureServer.server());
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    private static void table(String name) {
        h.sql("DROP TABLE IF EXISTS " + name + "; DROP TABLE IF EXISTS " + name + "_ledger; "
                + "CREATE TABLE " + name + " (id int NOT NULL, name text, amount int)");
    }

    /** Connects as the password role over verified TLS, unless {@code kv} says otherwise. */
    private static Map<String, String> env(String table, String... kv) {
        Map<String, String> env = h.env("DB_TABLE", table, "DB_LEDGER_TABLE", table + "_ledger",
                "DB_USER", SecureServer.ROLE, "DB_PASSWORD", SecureServer.FIRST_PASSWORD,
                "DB_SSL_ROOT_CERT", pki.ca.toString(), "POST_SQL", REQUIRE_TLS);
        env.remove("DB_SSL_MODE"); // verify-full, the default
        for (int i = 0; i < kv.length; i += 2) {
            env.put(kv[i], kv[i + 1]);
        }
        return env;
    }

    @Test
    void load_verifyFullWithTheServersCa_connectsOverTlsAndLoads() {
        // Arrange
        table("t_tls_ok");
        LoaderConfig config = LoaderConfig.fromEnv(env("t_tls_ok"));

        // Act
        List<LoadResult> results;
        try (PostgresDestination d = new PostgresDestination(config.database(), h.s3, () -> null)) {
            results = d.load(List.of(h.put("incoming/tls/ok.csv", csv(1, 3))), "tls-ok");
        }

        // Assert
        assertThat(config.database().postgres().sslMode().setting()).isEqualTo("verify-full");
        assertThat(results).singleElement().isInstanceOf(LoadResult.Loaded.class);
        assertThat(h.count("SELECT count(*) FROM t_tls_ok")).isEqualTo(3);
    }

    @Test
    void load_verifyFullWithAnotherCa_refusesTheServer_loadsNothing() {
        // Arrange
        table("t_tls_wrong");
        LoaderConfig config = LoaderConfig.fromEnv(env("t_tls_wrong", "DB_SSL_ROOT_CERT", pki.wrongCa.toString()));
        FileMessage f = h.put("incoming/tls/wrong.csv", csv(1, 3));

        // Act + Assert
        try (PostgresDestination d = new PostgresDestination(config.database(), h.s3, () -> null)) {
            assertThatThrownBy(() -> d.load(List.of(f), "tls-wrong")).isInstanceOf(TransientLoadException.class)
                    .hasMessageContaining("cannot connect").hasMessageContaining("SSL");
        }
        assertThat(h.count("SELECT count(*) FROM t_tls_wrong")).isZero();
    }

    @Test
    void load_hostTheCertificateDoesNotName_verifyFullRefuses_verifyCaAccepts() {
        // Arrange: the certificate names 127.0.0.1 only; "localhost" reaches the same server.
        table("t_tls_host");
        String byName = "jdbc:postgresql://localhost:" + h.pg.port() + "/" + h.database;
        LoaderConfig full = LoaderConfig.fromEnv(env("t_tls_host", "DB_URL", byName));
        LoaderConfig ca = LoaderConfig.fromEnv(env("t_tls_host", "DB_URL", byName, "DB_SSL_MODE", "verify-ca"));
        FileMessage f = h.put("incoming/tls/host.csv", csv(1, 3));

        // Act + Assert
        try (PostgresDestination d = new PostgresDestination(full.database(), h.s3, () -> null)) {
            assertThatThrownBy(() -> d.load(List.of(f), "tls-host-full")).isInstanceOf(TransientLoadException.class)
                    .hasMessageContaining("hostname");
        }
        assertThat(h.count("SELECT count(*) FROM t_tls_host")).isZero();
        try (PostgresDestination d = new PostgresDestination(ca.database(), h.s3, () -> null)) {
            assertThat(d.load(List.of(f), "tls-host-ca")).singleElement().isInstanceOf(LoadResult.Loaded.class);
        }
        assertThat(h.count("SELECT count(*) FROM t_tls_host")).isEqualTo(3);
    }

    @Test
    void loginRefused_passwordsInUrlAndSecret_neverInResultsReportsOrLogs() throws Exception {
        // Arrange: two passwords the server refuses, one in the URL's options, one in the secret.
        table("t_leak");
        String urlPassword = "Url-S3cret-" + UUID.randomUUID();
        String secretPassword = "Secret-S3cret-" + UUID.randomUUID();
        String url = "jdbc:postgresql://127.0.0.1:" + h.pg.port() + "/" + h.database + "?user=" + SecureServer.ROLE
                + "&password=" + urlPassword + "&ApplicationName=leak";
        CapturedLog log = CapturedLog.start();
        List<String> seen = new ArrayList<>();
        try (EmbeddedSecretsManager secrets = EmbeddedSecretsManager.start(); SecretsManagerClient client = dev.s3loader.embedded.SdkClients.local(SecretsManagerClient.builder(), secrets.endpoint(),
                     software.amazon.awssdk.regions.Region.US_EAST_1, "k", "s").build()) {
            secrets.put(ARN, "{\"username\":\"" + SecureServer.ROLE + "\",\"password\":\"" + secretPassword + "\"}");
            FileMessage a = h.put("incoming/leak/a.csv", csv(1, 2));
            FileMessage b = h.put("incoming/leak/b.csv", csv(3, 2));

            // Act: each through the real loader, on the last receive, so a reason would reach failed/'s report too.
            Map<String, String> withUrl = env("t_leak", "DB_URL", url);
            withUrl.remove("DB_USER");
            withUrl.remove("DB_PASSWORD");
            BatchOutcome byUrl = h.loader(withUrl).processor().process(List.of(last(a)));
            Map<String, String> withSecret = env("t_leak", "DB_URL", "jdbc:postgresql://127.0.0.1:" + h.pg.port() + "/"
                    + h.database, "DB_SECRET_ARN", ARN);
            withSecret.remove("DB_USER");
            withSecret.remove("DB_PASSWORD");
            BatchOutcome bySecret;
            try (dev.s3loader.loader.LoaderWiring loader = new dev.s3loader.loader.LoaderWiring(LoaderConfig.fromEnv(withSecret),
                    new dev.s3loader.loader.LoaderWiring.Clients(h.s3, () -> null, () -> client), seen::add,
                    java.time.Clock.systemUTC())) {
                bySecret = loader.processor().process(List.of(last(b)));
            }
            for (LoaderConfig c : List.of(LoaderConfig.fromEnv(withUrl), LoaderConfig.fromEnv(withSecret))) {
                try (PostgresDestination d = new PostgresDestination(c.database(), h.s3, () -> client)) {
                    d.load(List.of(a), "direct");
                } catch (RuntimeException e) {
                    seen.add(stackTrace(e));
                }
                seen.add(c.toString());
            }

            // Assert: both really failed to log in, and reported why.
            assertThat(byUrl.processed() + bySecret.processed()).isZero();
            assertThat(h.count("SELECT count(*) FROM t_leak")).isZero();
            for (String key : h.keys("")) {
                if (!key.startsWith("incoming/")) {
                    seen.add(key + ": " + h.s3.getObjectAsBytes(r -> r.bucket(h.bucket).key(key)).asUtf8String());
                }
            }
        } finally {
            log.stop();
        }
        seen.add(log.text());
        String everything = String.join("\n", seen);
        assertThat(log.text()).contains("password authentication failed");
        assertThat(everything).doesNotContain(urlPassword, secretPassword);
    }

    @Test
    void secretRotated_loginRefusedOnce_destinationReadsTheSecretAgainAndLoads() throws Exception {
        // Arrange
        table("t_rotate");
        try (EmbeddedSecretsManager secrets = EmbeddedSecretsManager.start(); SecretsManagerClient client = dev.s3loader.embedded.SdkClients.local(SecretsManagerClient.builder(), secrets.endpoint(),
                     software.amazon.awssdk.regions.Region.US_EAST_1, "k", "s").build()) {
            secrets.put(ARN + "-r", secret(SecureServer.FIRST_PASSWORD));
            Map<String, String> env = env("t_rotate", "DB_SECRET_ARN", ARN + "-r");
            env.remove("DB_USER");
            env.remove("DB_PASSWORD");
            LoaderConfig config = LoaderConfig.fromEnv(env);
            try (PostgresDestination d = new PostgresDestination(config.database(), h.s3, () -> client)) {
                List<LoadResult> before = d.load(List.of(h.put("incoming/rotate/a.csv", csv(1, 2))), "r1");

                // Act: the password is rotated in the database and the secret, and the pooled session ends.
                String rotated = "rotated-" + UUID.randomUUID();
                h.sql("ALTER ROLE " + SecureServer.ROLE + " PASSWORD '" + rotated + "'");
                secrets.put(ARN + "-r", secret(rotated));
                h.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '" + SecureServer.ROLE + "'");
                List<LoadResult> after = d.load(List.of(h.put("incoming/rotate/b.csv", csv(3, 2))), "r2");

                // Assert
                assertThat(before).singleElement().isInstanceOf(LoadResult.Loaded.class);
                assertThat(after).singleElement().isInstanceOf(LoadResult.Loaded.class);
                assertThat(secrets.reads()).isEqualTo(2);
                assertThat(h.count("SELECT count(*) FROM t_rotate")).isEqualTo(4);
            } finally {
                h.sql("ALTER ROLE " + SecureServer.ROLE + " PASSWORD '" + SecureServer.FIRST_PASSWORD + "'");
            }
        }
    }

    private static String secret(String password) {
        return "{\"username\":\"" + SecureServer.ROLE + "\",\"password\":\"" + password + "\"}";
    }

    private static Delivery last(FileMessage m) {
        return new Delivery(UUID.randomUUID().toString(), m.toJson(), 3);
    }

    private static String stackTrace(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        return w.toString();
    }

    /** Every log record of the JVM, at every level (the driver's own FINE lines included), with its stack trace. */
    static final class CapturedLog extends Handler {
        private final StringBuffer text = new StringBuffer();
        private final Logger root = Logger.getLogger("");
        private final Logger driver = Logger.getLogger("org.postgresql");
        private Level rootLevel;
        private Level driverLevel;

        static CapturedLog start() {
            CapturedLog c = new CapturedLog();
            c.setLevel(Level.ALL);
            c.rootLevel = c.root.getLevel();
            c.driverLevel = c.driver.getLevel();
            c.root.setLevel(Level.ALL);
            c.driver.setLevel(Level.ALL);
            c.root.addHandler(c);
            return c;
        }

        @Override
        public void publish(LogRecord r) {
            text.append(r.getLoggerName()).append(' ').append(r.getLevel()).append(' ')
                    .append(new java.util.logging.SimpleFormatter().formatMessage(r)).append('\n');
            if (r.getThrown() != null) {
                text.append(stackTrace(r.getThrown())).append('\n');
            }
        }

        String text() {
            return text.toString();
        }

        void stop() {
            root.removeHandler(this);
            root.setLevel(rootLevel);
            driver.setLevel(driverLevel);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }
}
