package dev.s3loader.model;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * PostgreSQL JDBC URLs as s3loader handles them: a URL may carry {@code user} and
 * {@code password} in its options, so it is shown only as host, port and database, and handed
 * to the driver without them (pgjdbc lets the URL's options win over the properties it is given,
 * and may log the URL).
 */
public final class JdbcUrls {
    static final String PREFIX = "jdbc:postgresql:";
    /** Options that would override DB_SSL_MODE and DB_SSL_ROOT_CERT. */
    static final Set<String> TLS_OPTIONS = Set.of("ssl", "sslmode", "sslrootcert", "sslfactory", "sslfactoryarg",
            "sslhostnameverifier", "sslcert", "sslkey", "sslpassword", "sslpasswordcallback", "sslnegotiation");

    private JdbcUrls() {
    }

    /** {@code host:port/db} (or what stands there), never the options or anything before an {@code @}. */
    public static String describe(String url) {
        String rest = url.startsWith(PREFIX) ? url.substring(PREFIX.length()) : "(not a jdbc:postgresql: URL)";
        int q = rest.indexOf('?');
        if (q >= 0) {
            rest = rest.substring(0, q);
        }
        int at = rest.lastIndexOf('@');
        if (at >= 0) {
            rest = (rest.startsWith("//") ? "//" : "") + rest.substring(at + 1);
        }
        return "postgresql:" + rest;
    }

    /** The URL's options, decoded, by lower-case name. */
    public static Map<String, String> options(String url) {
        Map<String, String> out = new LinkedHashMap<>();
        int q = url.indexOf('?');
        if (q < 0) {
            return out;
        }
        for (String pair : url.substring(q + 1).split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            out.put(name.toLowerCase(Locale.ROOT), decode(value));
        }
        return out;
    }

    /** The URL without its {@code user} and {@code password} options. */
    public static String withoutCredentials(String url) {
        int q = url.indexOf('?');
        if (q < 0) {
            return url;
        }
        StringBuilder kept = new StringBuilder();
        for (String pair : url.substring(q + 1).split("&")) {
            String name = (pair.indexOf('=') < 0 ? pair : pair.substring(0, pair.indexOf('='))).toLowerCase(Locale.ROOT);
            if (pair.isEmpty() || name.equals("user") || name.equals("password")) {
                continue;
            }
            kept.append(kept.length() == 0 ? "" : "&").append(pair);
        }
        return url.substring(0, q) + (kept.length() == 0 ? "" : "?" + kept);
    }

    public static Optional<String> option(String url, String name) {
        return Optional.ofNullable(options(url).get(name));
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }
}
