package dev.s3loader.embedded;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Secrets Manager's GetSecretValue over its real protocol (AWS JSON 1.1) on loopback, for the real
 * SDK client: no local Secrets Manager exists. Counts the reads, so a test can see a secret cached
 * or read again.
 */
public final class EmbeddedSecretsManager implements AutoCloseable {
    private final HttpServer server;
    private final Map<String, String> secrets = new ConcurrentHashMap<>();
    private final AtomicInteger reads = new AtomicInteger();

    private EmbeddedSecretsManager(HttpServer server) {
        this.server = server;
    }

    public static EmbeddedSecretsManager start() {
        try {
            EmbeddedSecretsManager local = new EmbeddedSecretsManager(
                    HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16));
            local.server.createContext("/", local::answer);
            local.server.start();
            return local;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the local Secrets Manager endpoint", e);
        }
    }

    private void answer(com.sun.net.httpserver.HttpExchange ex) throws IOException {
        try (ex) {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String target = ex.getRequestHeaders().getFirst("X-Amz-Target");
            String id = body.replaceAll("(?s).*\"SecretId\"\\s*:\\s*\"([^\"]*)\".*", "$1");
            String secret = secrets.get(id);
            int status;
            String out;
            if (!"secretsmanager.GetSecretValue".equals(target) || secret == null) {
                status = 400;
                out = "{\"__type\":\"ResourceNotFoundException\",\"message\":\"no secret " + json(id) + "\"}";
            } else {
                reads.incrementAndGet();
                status = 200;
                out = "{\"ARN\":\"" + json(id) + "\",\"Name\":\"db\",\"VersionId\":\"v1\",\"SecretString\":\""
                        + json(secret) + "\"}";
            }
            byte[] bytes = out.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.1");
            ex.sendResponseHeaders(status, bytes.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(bytes);
            }
        }
    }

    /** The text as the inside of a JSON string. */
    private static String json(String s) {
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }

    /** Stores (or rotates) the secret string of {@code arn}. */
    public void put(String arn, String secretString) {
        secrets.put(arn, secretString);
    }

    /** GetSecretValue calls answered so far. */
    public int reads() {
        return reads.get();
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
