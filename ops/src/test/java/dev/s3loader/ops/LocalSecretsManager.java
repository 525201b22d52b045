package dev.s3loader.ops;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Secrets Manager's GetSecretValue over its real protocol (AWS JSON 1.1), for the real SDK client:
 * no local Secrets Manager exists (a copy of the loader tests' one, whose test classes are not shared).
 */
final class LocalSecretsManager implements AutoCloseable {
    private final HttpServer server;
    private final Map<String, String> secrets = new ConcurrentHashMap<>();
    final AtomicInteger reads = new AtomicInteger();

    LocalSecretsManager() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/", ex -> {
            try (ex) {
                String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                String target = ex.getRequestHeaders().getFirst("X-Amz-Target");
                String id = body.replaceAll("(?s).*\"SecretId\"\\s*:\\s*\"([^\"]*)\".*", "$1");
                String secret = secrets.get(id);
                int status;
                String out;
                if (!"secretsmanager.GetSecretValue".equals(target) || secret == null) {
                    status = 400;
                    out = "{\"__type\":\"ResourceNotFoundException\",\"message\":\"no secret " + id + "\"}";
                } else {
                    reads.incrementAndGet();
                    status = 200;
                    out = "{\"ARN\":\"" + id + "\",\"Name\":\"db\",\"VersionId\":\"v1\",\"SecretString\":"
                            + com.fasterxml.jackson.databind.node.TextNode.valueOf(secret) + "}";
                }
                byte[] bytes = out.getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.1");
                ex.sendResponseHeaders(status, bytes.length);
                try (OutputStream os = ex.getResponseBody()) {
                    os.write(bytes);
                }
            }
        });
        server.start();
    }

    void put(String arn, String json) {
        secrets.put(arn, json);
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
