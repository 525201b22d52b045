package dev.s3loader.clients;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * What the product's S3 client puts on the wire for PutObject, read by an HTTP server on loopback:
 * no {@code Expect: 100-continue} below {@link NoExpectContinueInterceptor#SMALL_BODY_BYTES}, the
 * SDK's header above it.
 */
class ExpectContinueTest {
    private static HttpServer server;
    private static final List<String> expects = new CopyOnWriteArrayList<>();
    private static S3Client s3;

    @BeforeAll
    static void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            expects.add(String.valueOf(exchange.getRequestHeaders().getFirst("Expect")));
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().add("ETag", "\"0123456789abcdef0123456789abcdef\"");
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
        s3 = AwsClients.configure(S3Client.builder(), AwsClients.http())
                .endpointOverride(URI.create("http://127.0.0.1:" + server.getAddress().getPort()))
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("id", "secret")))
                .build();
    }

    @AfterAll
    static void stop() {
        s3.close();
        server.stop(0);
    }

    @Test
    void putObject_smallBody_noExpectContinue_largeBody_theSdksHeader() {
        // Act
        s3.putObject(b -> b.bucket("b").key("_s3loader/probe/a"), RequestBody.fromString("probe"));
        s3.putObject(b -> b.bucket("b").key("_s3loader/reports/r.json"),
                RequestBody.fromBytes(new byte[(int) NoExpectContinueInterceptor.SMALL_BODY_BYTES - 1]));
        s3.putObject(b -> b.bucket("b").key("refined/part.parquet"),
                RequestBody.fromBytes(new byte[(int) NoExpectContinueInterceptor.SMALL_BODY_BYTES]));

        // Assert
        assertThat(expects).containsExactly("null", "null", "100-continue");
    }
}
