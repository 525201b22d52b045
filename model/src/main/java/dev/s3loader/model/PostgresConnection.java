package dev.s3loader.model;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * How the postgres destination connects. With a secret, its {@code username} and {@code password}
 * win over {@code user}/{@code password}, and its {@code host}, {@code port} and {@code dbname}
 * make the URL when {@code jdbcUrl} is not set.
 *
 * @param jdbcUrl     {@code jdbc:postgresql://host:port/db[?options]}; may carry a password, so it is never shown
 * @param secretArn   a Secrets Manager secret in the RDS format (host, port, dbname, username, password)
 * @param sslMode     DB_SSL_MODE
 * @param sslRootCert DB_SSL_ROOT_CERT: the PEM file of the CA certificates the server's certificate must chain to
 */
public record PostgresConnection(Optional<String> jdbcUrl, Optional<String> user, Optional<String> password,
                                 Optional<String> secretArn, Duration connectTimeout, PostgresSslMode sslMode,
                                 Optional<Path> sslRootCert) {

    /** Without the URL's options (which may hold a password) or the password. */
    @Override
    public String toString() {
        return "PostgresConnection[" + jdbcUrl.map(JdbcUrls::describe).orElse("(from the secret)") + ", user="
                + user.orElse("-") + ", password=" + (password.isPresent() ? "(set)" : "-") + ", secret="
                + secretArn.orElse("-") + ", sslMode=" + sslMode.setting() + ", sslRootCert="
                + sslRootCert.map(Path::toString).orElse("-") + "]";
    }
}
