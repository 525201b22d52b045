package dev.s3loader.model;

import java.time.Duration;
import java.util.Optional;

/**
 * How the postgres destination connects. With a secret, its {@code username} and {@code password}
 * win over {@code user}/{@code password}, and its {@code host}, {@code port} and {@code dbname}
 * make the URL when {@code jdbcUrl} is not set.
 *
 * @param jdbcUrl   {@code jdbc:postgresql://host:port/db[?options]}
 * @param secretArn a Secrets Manager secret in the RDS format (host, port, dbname, username, password)
 */
public record PostgresConnection(Optional<String> jdbcUrl, Optional<String> user, Optional<String> password,
                                 Optional<String> secretArn, Duration connectTimeout) {
}
