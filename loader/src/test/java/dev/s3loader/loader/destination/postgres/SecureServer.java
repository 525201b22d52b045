package dev.s3loader.loader.destination.postgres;

import dev.s3loader.embedded.EmbeddedPostgres;

/**
 * A second PostgreSQL server for the whole test JVM, started on first use, that speaks TLS with a
 * certificate from {@link TestPki} and checks passwords (SCRAM) for every role but the admin: the
 * shared server trusts any login, so it cannot show a refused password or a refused certificate.
 */
final class SecureServer {
    static final String ROLE = "s3loader_app";
    static final String FIRST_PASSWORD = "first-Passw0rd";

    private static TestPki pki;
    private static EmbeddedPostgres server;

    private SecureServer() {
    }

    static synchronized TestPki pki() {
        start();
        return pki;
    }

    static synchronized EmbeddedPostgres server() {
        start();
        return server;
    }

    private static void start() {
        if (server != null) {
            return;
        }
        pki = TestPki.create();
        server = EmbeddedPostgres.startWithTls(pki.serverCertificate, pki.serverKey, String.join("\n",
                "local all all trust",
                "host all " + EmbeddedPostgres.USER + " 127.0.0.1/32 trust",
                "host all all 127.0.0.1/32 scram-sha-256", ""));
        Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        try (var c = server.connect(); var s = c.createStatement()) {
            s.execute("CREATE ROLE " + ROLE + " LOGIN SUPERUSER PASSWORD '" + FIRST_PASSWORD + "'");
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("cannot create the password role", e);
        }
    }
}
