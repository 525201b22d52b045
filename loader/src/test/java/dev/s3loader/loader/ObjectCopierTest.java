package dev.s3loader.loader;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3loader.embedded.SharedServers;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.EncodingType;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/** Server-side copies against a real S3 server (S3Proxy), with a multipart threshold of 5 MiB. */
class ObjectCopierTest {
    private static final long MIB = 1024 * 1024;
    private static S3Client s3;
    private static String bucket;
    private static ExecutorService parts;
    private static ObjectCopier copier;

    @BeforeAll
    static void setUp() {
        s3 = SharedServers.s3().newClient();
        bucket = "copier-" + UUID.randomUUID().toString().substring(0, 8);
        s3.createBucket(b -> b.bucket(bucket));
        parts = Executors.newFixedThreadPool(2);
        copier = new ObjectCopier(s3, 5 * MIB, 5 * MIB, parts);
    }

    @AfterAll
    static void tearDown() {
        parts.shutdown();
        s3.close();
    }

    private static String put(String key, int size) {
        byte[] body = new byte[size];
        new Random(size).nextBytes(body);
        return s3.putObject(b -> b.bucket(bucket).key(key).contentType("text/csv; charset=utf-8")
                .metadata(Map.of("producer", "orders-7", "batch", "42")).cacheControl("no-cache")
                .contentDisposition("attachment; filename=\"f.csv\"").contentLanguage("en"),
                RequestBody.fromBytes(body)).eTag();
    }

    private static void assertSameHeaders(String source, String target) {
        HeadObjectResponse s = s3.headObject(b -> b.bucket(bucket).key(source));
        HeadObjectResponse t = s3.headObject(b -> b.bucket(bucket).key(target));
        assertThat(t.contentLength()).isEqualTo(s.contentLength());
        assertThat(t.contentType()).isEqualTo("text/csv; charset=utf-8");
        assertThat(t.metadata()).isEqualTo(Map.of("producer", "orders-7", "batch", "42"));
        assertThat(t.cacheControl()).isEqualTo("no-cache");
        assertThat(t.contentDisposition()).isEqualTo("attachment; filename=\"f.csv\"");
        assertThat(t.contentLanguage()).isEqualTo("en");
        assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket).key(target)).asByteArray())
                .isEqualTo(s3.getObjectAsBytes(b -> b.bucket(bucket).key(source)).asByteArray());
    }

    /**
     * The second name cannot be carried by XML 1.0: S3 answers CreateMultipartUpload and
     * CompleteMultipartUpload with the key in the body (AWS as {@code &#x1;}, S3Proxy raw).
     */
    @ParameterizedTest
    @ValueSource(strings = {"big file.csv", "big\u0001 file\r\t.csv "})
    void copy_aboveTheMultipartThreshold_keepsBytesContentTypeAndMetadata(String name) {
        // Arrange: 11 MiB, copied in three parts.
        String source = "incoming/" + name;
        String etag = put(source, (int) (11 * MIB));

        // Act
        copier.copy(bucket, source, etag, 11 * MIB, bucket, "processed/" + name);

        // Assert
        assertSameHeaders(source, "processed/" + name);
        assertThat(s3.listMultipartUploads(b -> b.bucket(bucket).encodingType(EncodingType.URL)).uploads()).isEmpty();
    }

    @Test
    void copy_belowTheMultipartThreshold_keepsContentTypeAndMetadata() {
        String etag = put("incoming/small.csv", 1000);

        copier.copy(bucket, "incoming/small.csv", etag, 1000, bucket, "processed/small.csv");

        assertSameHeaders("incoming/small.csv", "processed/small.csv");
    }
}
