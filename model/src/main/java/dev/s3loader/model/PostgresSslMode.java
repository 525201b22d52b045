package dev.s3loader.model;

import java.util.Arrays;
import java.util.stream.Collectors;

/** How the postgres destination protects its connection (DB_SSL_MODE), in pgjdbc's {@code sslmode} words. */
public enum PostgresSslMode {
    /** TLS; the server's certificate must chain to DB_SSL_ROOT_CERT and name the host connected to. */
    VERIFY_FULL("verify-full"),
    /** TLS; the server's certificate must chain to DB_SSL_ROOT_CERT, whatever host it names. */
    VERIFY_CA("verify-ca"),
    /** No TLS: only for a server on this machine (the local runtime, tests). */
    DISABLE("disable");

    private final String setting;

    PostgresSslMode(String setting) {
        this.setting = setting;
    }

    /** The value as written in DB_SSL_MODE and in pgjdbc's {@code sslmode}. */
    public String setting() {
        return setting;
    }

    public boolean verifies() {
        return this != DISABLE;
    }

    static PostgresSslMode parse(String name, String value) {
        for (PostgresSslMode m : values()) {
            if (m.setting.equalsIgnoreCase(value.trim())) {
                return m;
            }
        }
        throw new ConfigException(name + " must be one of " + Arrays.stream(values()).map(PostgresSslMode::setting)
                .collect(Collectors.joining(", ")) + ", got '" + value + "'");
    }
}
