package dev.s3loader.loader.destination.postgres;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.s3loader.loader.LoaderException;
import dev.s3loader.loader.TransientLoadException;
import dev.s3loader.model.JdbcUrls;
import dev.s3loader.model.PostgresConnection;
import java.io.IOException;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * Where to connect and as whom: from configuration, or from a Secrets Manager secret in the RDS
 * format. The secret is read once and again only after a login failure, which is how a rotated
 * password is picked up without a restart.
 */
final class PostgresCredentials {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Where and as whom; {@code url} holds no user or password (they travel as properties). */
    record Resolved(String url, Optional<String> user, Optional<String> password) {
        Resolved {
            url = JdbcUrls.withoutCredentials(url);
        }

        /** The server as messages may show it: host, port and database, no options. */
        String server() {
            return JdbcUrls.describe(url);
        }

        @Override
        public String toString() {
            return "Resolved[" + server() + ", user=" + user.orElse("-") + "]"; // never the password
        }
    }

    private final PostgresConnection config;
    private final Supplier<SecretsManagerClient> secrets;
    private volatile Resolved cached;

    PostgresCredentials(PostgresConnection config, Supplier<SecretsManagerClient> secrets) {
        this.config = config;
        this.secrets = secrets;
    }

    Resolved current() {
        Resolved r = cached;
        if (r == null) {
            r = resolve();
            cached = r;
        }
        return r;
    }

    /** Forgets the secret's values, so the next connection reads it again; false when there is no secret to read. */
    boolean invalidate() {
        if (config.secretArn().isPresent()) {
            cached = null;
            return true;
        }
        return false;
    }

    /** The server as messages may show it, without resolving anything. */
    String server() {
        Resolved r = cached;
        if (r != null) {
            return r.server();
        }
        return config.jdbcUrl().map(JdbcUrls::describe).orElse("(the secret's host)");
    }

    private Resolved resolve() {
        if (config.secretArn().isEmpty()) {
            String url = config.jdbcUrl().orElseThrow();
            // A URL's user/password options are taken out of it, so pgjdbc never sees (or logs) them there.
            return new Resolved(url, config.user().or(() -> JdbcUrls.option(url, "user")),
                    config.password().or(() -> JdbcUrls.option(url, "password")));
        }
        String arn = config.secretArn().get();
        String text;
        try {
            text = secrets.get().getSecretValue(b -> b.secretId(arn)).secretString();
        } catch (SdkException e) {
            throw new TransientLoadException("cannot read secret " + arn + ": " + e.getMessage(), e);
        }
        JsonNode s;
        try {
            s = JSON.readTree(text == null ? "" : text);
        } catch (IOException e) {
            throw new LoaderException("secret " + arn + " is not JSON (expected host, port, dbname, username, password)");
        }
        if (s == null || !s.isObject() || !s.hasNonNull("username") || !s.hasNonNull("password")) {
            throw new LoaderException("secret " + arn + " lacks username or password");
        }
        String url = config.jdbcUrl().orElseGet(() -> {
            if (!s.hasNonNull("host")) {
                throw new LoaderException("secret " + arn + " has no host and DB_URL is not set");
            }
            return "jdbc:postgresql://" + s.get("host").asText() + ":" + s.path("port").asText("5432") + "/"
                    + s.path("dbname").asText("postgres");
        });
        return new Resolved(url, Optional.of(s.get("username").asText()), Optional.of(s.get("password").asText()));
    }
}
