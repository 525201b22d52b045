package dev.s3loader.cloudformation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The push command docs/deploy.md prints, {@code scripts/container --push REGISTRY/REPOSITORY:TAG}, run
 * as a user runs it, against a registry on loopback that speaks the Docker Registry HTTP API v2
 * over TLS with a self-signed certificate (blob uploads, monolithic or chunked, and manifests),
 * checks every blob's digest and answers
 * the manifest's. It builds the image (jlink, Jib) in a nested Maven run, minutes on a busy
 * machine, so it runs only with -Ds3loader.push.test=true.
 */
class ContainerPushTest {
    @TempDir
    Path tmp;

    /** The registry's store: blobs and manifests by digest, tags to digests. */
    private final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
    private final Map<String, byte[]> manifests = new ConcurrentHashMap<>();
    private final Map<String, String> tags = new ConcurrentHashMap<>();
    private final Map<String, ByteArrayOutputStream> uploads = new ConcurrentHashMap<>();

    private static final Pattern BLOB = Pattern.compile("/v2/(.+)/blobs/(sha256:[0-9a-f]{64})");
    private static final Pattern UPLOAD_START = Pattern.compile("/v2/(.+)/blobs/uploads/?");
    private static final Pattern UPLOAD = Pattern.compile("/v2/(.+)/blobs/uploads/([0-9a-f-]{36})");
    private static final Pattern MANIFEST = Pattern.compile("/v2/(.+)/manifests/([^/]+)");

    @Test
    void push_theReadmesCommand_pushesTheImageAndPrintsAndRecordsItsDigest() throws Exception {
        assumeTrue(Boolean.getBoolean("s3loader.push.test"), "builds the image; run with -Ds3loader.push.test=true");
        // Arrange
        HttpsServer registry = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        registry.setHttpsConfigurator(new HttpsConfigurator(selfSignedTls()));
        registry.createContext("/", this::handle);
        registry.start();
        String image = "127.0.0.1:" + registry.getAddress().getPort() + "/s3loader-loader:push-test";
        Path imageFile = tmp.resolve("image.env");
        try {
            // Act
            ProcessBuilder pb = new ProcessBuilder("bash", Repo.path("scripts", "container").toString(), "--push", image)
                    .redirectErrorStream(true).redirectOutput(tmp.resolve("out").toFile());
            pb.environment().put("S3LOADER_IMAGE_FILE", imageFile.toString());
            Process p = pb.start();
            assertThat(p.waitFor(30, TimeUnit.MINUTES)).as("scripts/container --push finished").isTrue();
            String out = Files.readString(tmp.resolve("out"), StandardCharsets.UTF_8);
            System.out.println(out);

            // Assert: the tag names a manifest whose blobs all arrived whole, and the digest printed is the manifest's.
            assertThat(p.exitValue()).as(out).isZero();
            String digest = tags.get("s3loader-loader:push-test");
            assertThat(digest).as("the tag was pushed").isNotNull();
            assertThat(sha256(manifests.get(digest))).isEqualTo(digest);
            JsonNode manifest = new ObjectMapper().readTree(manifests.get(digest));
            assertThat(blobs).containsKey(manifest.get("config").get("digest").asText());
            assertThat(manifest.get("layers")).isNotEmpty()
                    .allSatisfy(layer -> assertThat(blobs).containsKey(layer.get("digest").asText()));
            String uri = "127.0.0.1:" + registry.getAddress().getPort() + "/s3loader-loader@" + digest;
            assertThat(out).contains("ContainerImageUri=" + uri);
            assertThat(Files.readString(imageFile)).isEqualTo("ContainerImageUri=" + uri + "\n");
            JsonNode config = new ObjectMapper().readTree(blobs.get(manifest.get("config").get("digest").asText()));
            assertThat(config.get("config").get("Entrypoint").toString()).contains("dev.s3loader.loader.LoaderMain");
        } finally {
            registry.stop(0);
        }
    }

    /**
     * Jib tries HTTPS first and falls back to HTTP only on a TLS failure, which a plain HTTP server
     * never answers (the handshake times out); with allowInsecureRegistries, as the script sets for
     * a loopback registry, it accepts a self-signed certificate.
     */
    private SSLContext selfSignedTls() throws Exception {
        Path keystore = tmp.resolve("registry.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-keyalg", "RSA", "-keysize", "2048", "-alias", "registry", "-validity", "2",
                "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1", "-storetype", "PKCS12",
                "-keystore", keystore.toString(), "-storepass", "changeit", "-keypass", "changeit")
                .redirectErrorStream(true).start();
        String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(keytool.waitFor()).as(output).isZero();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(keystore)) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);
        return tls;
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            String path = x.getRequestURI().getPath();
            String query = x.getRequestURI().getRawQuery() == null ? "" : x.getRequestURI().getRawQuery();
            byte[] body = x.getRequestBody().readAllBytes();
            String method = x.getRequestMethod();
            Matcher m;
            if (path.equals("/v2/") || path.equals("/v2")) {
                reply(x, 200, "{}".getBytes(StandardCharsets.UTF_8), Map.of("Content-Type", "application/json"));
            } else if ((m = BLOB.matcher(path)).matches()) {
                byte[] blob = blobs.get(m.group(2));
                if (blob == null) {
                    reply(x, 404, new byte[0], Map.of());
                } else {
                    x.getResponseHeaders().add("Docker-Content-Digest", m.group(2));
                    reply(x, 200, method.equals("HEAD") ? null : blob, Map.of("Content-Length", Integer.toString(blob.length)));
                }
            } else if (method.equals("POST") && (m = UPLOAD_START.matcher(path)).matches()) {
                String id = UUID.randomUUID().toString();
                uploads.put(id, new ByteArrayOutputStream());
                reply(x, 202, new byte[0], Map.of("Location", "/v2/" + m.group(1) + "/blobs/uploads/" + id,
                        "Docker-Upload-UUID", id, "Range", "0-0"));
            } else if ((m = UPLOAD.matcher(path)).matches() && uploads.containsKey(m.group(2))) {
                ByteArrayOutputStream upload = uploads.get(m.group(2));
                upload.write(body);
                if (method.equals("PATCH")) {
                    reply(x, 202, new byte[0], Map.of("Location", path, "Docker-Upload-UUID", m.group(2),
                            "Range", "0-" + Math.max(0, upload.size() - 1)));
                } else if (method.equals("PUT")) {
                    Matcher d = Pattern.compile("(?:^|&)digest=([^&]+)").matcher(query);
                    String digest = d.find() ? java.net.URLDecoder.decode(d.group(1), StandardCharsets.UTF_8) : "";
                    byte[] bytes = upload.toByteArray();
                    if (!sha256(bytes).equals(digest)) {
                        reply(x, 400, "{\"errors\":[{\"code\":\"DIGEST_INVALID\"}]}".getBytes(StandardCharsets.UTF_8), Map.of());
                        return;
                    }
                    blobs.put(digest, bytes);
                    uploads.remove(m.group(2));
                    reply(x, 201, new byte[0], Map.of("Location", "/v2/" + m.group(1) + "/blobs/" + digest, "Docker-Content-Digest", digest));
                } else {
                    reply(x, 405, new byte[0], Map.of());
                }
            } else if ((m = MANIFEST.matcher(path)).matches()) {
                String reference = m.group(2);
                String digest = reference.startsWith("sha256:") ? reference : tags.get(m.group(1) + ":" + reference);
                if (method.equals("PUT")) {
                    digest = sha256(body);
                    manifests.put(digest, body);
                    if (!reference.startsWith("sha256:")) {
                        tags.put(m.group(1) + ":" + reference, digest);
                    }
                    reply(x, 201, new byte[0], Map.of("Location", "/v2/" + m.group(1) + "/manifests/" + digest, "Docker-Content-Digest", digest));
                } else if (digest == null || !manifests.containsKey(digest)) {
                    reply(x, 404, "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\"}]}".getBytes(StandardCharsets.UTF_8), Map.of());
                } else {
                    byte[] manifest = manifests.get(digest);
                    reply(x, 200, method.equals("HEAD") ? null : manifest, Map.of("Docker-Content-Digest", digest,
                            "Content-Type", "application/vnd.docker.distribution.manifest.v2+json"));
                }
            } else {
                reply(x, 404, new byte[0], Map.of());
            }
        }
    }

    private static void reply(HttpExchange x, int status, byte[] body, Map<String, String> headers) throws IOException {
        headers.forEach((k, v) -> x.getResponseHeaders().add(k, v));
        x.getResponseHeaders().add("Docker-Distribution-API-Version", "registry/2.0");
        if (body == null) {
            x.sendResponseHeaders(status, -1);
        } else {
            x.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            if (body.length > 0) {
                x.getResponseBody().write(body);
            }
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
