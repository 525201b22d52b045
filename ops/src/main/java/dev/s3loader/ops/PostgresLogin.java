package dev.s3loader.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.s3loader.clients.AwsClients;
import dev.s3loader.ops.audit.AuditException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * Opens a connection to the postgres destination as the loader does: a JDBC URL with a user and
 * password, or a Secrets Manager secret in the RDS format (host, port, dbname, username, password).
 * Errors never repeat the password or the secret's contents.
 */
final class PostgresLogin {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Optional<String> url;
    private final Optional<String> user;
    private final Optional<String> password;
    private final Optional<String> secretArn;
    private final Duration connectTimeout;

    PostgresLogin(Optional<String> url, Optional<String> user, Optional<String> password, Optional<String> secretArn,
                  Duration connectTimeout) {
        if (url.isEmpty() && secretArn.isEmpty()) {
            throw new UsageException("the postgres destination needs --db-url (or DB_URL) or --db-secret-arn (or DB_SECRET_ARN)");
        }
        url.ifPresent(u -> {
            if (!u.startsWith("jdbc:postgresql:")) {
                throw new UsageException("--db-url must start with jdbc:postgresql:, got '" + u.replaceAll("password=[^&]*", "password=***") + "'");
            }
        });
        this.url = url;
        this.user = user;
        this.password = password;
        this.secretArn = secretArn;
        this.connectTimeout = connectTimeout;
    }

    Connection connect(Region region) {
        String jdbcUrl = url.orElse(null);
        Optional<String> u = user;
        Optional<String> p = password;
        if (secretArn.isPresent()) {
            JsonNode s = secret(secretArn.get(), region);
            u = Optional.of(s.path("username").asText());
            p = Optional.of(s.path("password").asText());
            if (jdbcUrl == null) {
                if (!s.hasNonNull("host")) {
                    throw new AuditException("secret " + secretArn.get() + " has no host and --db-url is not set");
                }
                jdbcUrl = "jdbc:postgresql://" + s.get("host").asText() + ":" + s.path("port").asText("5432") + "/"
                        + s.path("dbname").asText("postgres");
            }
        }
        Properties props = new Properties();
        u.ifPresent(v -> props.setProperty("user", v));
        p.ifPresent(v -> props.setProperty("password", v));
        props.setProperty("connectTimeout", String.valueOf(connectTimeout.toSeconds()));
        props.setProperty("ApplicationName", "s3loader audit");
        try {
            return DriverManager.getConnection(jdbcUrl, props);
        } catch (SQLException e) {
            throw new AuditException("cannot connect to the postgres ledger database: " + e.getMessage(), e);
        }
    }

    private static JsonNode secret(String arn, Region region) {
        try (SecretsManagerClient sm = SecretsManagerClient.builder().httpClient(AwsClients.http())
                .overrideConfiguration(AwsClients.retries()).region(region).build()) {
            String text = sm.getSecretValue(b -> b.secretId(arn)).secretString();
            JsonNode s = JSON.readTree(text == null ? "" : text);
            if (s == null || !s.isObject() || !s.hasNonNull("username") || !s.hasNonNull("password")) {
                throw new AuditException("secret " + arn + " is not JSON with username and password");
            }
            return s;
        } catch (SdkException e) {
            throw new AuditException("cannot read secret " + arn + ": " + e.getMessage(), e);
        } catch (java.io.IOException e) {
            throw new AuditException("secret " + arn + " is not JSON (expected host, port, dbname, username, password)");
        }
    }
}
