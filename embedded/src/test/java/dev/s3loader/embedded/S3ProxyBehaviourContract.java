package dev.s3loader.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.EncodingType;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * What S3Proxy 4.1.0 does with the S3 features s3loader relies on, pinned per back end through the
 * real SDK client. A test named "..._limitation" documents where S3Proxy differs from AWS S3, so a
 * change of behaviour in a new S3Proxy version shows up here first.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class S3ProxyBehaviourContract {
    private static final AtomicInteger BUCKETS = new AtomicInteger();
    private static final String WRONG_ETAG = "\"0123456789abcdef0123456789abcdef\"";

    protected S3Client s3;
    /** Same server, no retries: for requests expected to fail, so they fail fast. */
    protected S3Client s3NoRetry;
    protected String bucket;

    protected abstract EmbeddedS3 server();

    /** The key of exactly 1024 UTF-8 bytes this back end is expected to store. */
    protected abstract String longestKey();

    @BeforeAll
    void clients() {
        s3 = server().newClient();
        // overrideConfiguration(...) replaces the whole configuration: start from the existing one
        // to keep NoExpectContinueInterceptor.
        S3ClientBuilder builder = server().newClientBuilder();
        s3NoRetry = builder.overrideConfiguration(builder.overrideConfiguration().toBuilder()
                .retryStrategy(RetryMode.STANDARD).retryStrategy(r -> r.maxAttempts(1)).build()).build();
    }

    @AfterAll
    void closeClients() {
        s3.close();
        s3NoRetry.close();
    }

    @BeforeEach
    void bucket() {
        bucket = getClass().getSimpleName().toLowerCase().replaceAll("[^a-z0-9]", "").substring(0, 10)
                + "-" + BUCKETS.incrementAndGet();
        server().createBucket(bucket);
    }

    /** Keys S3Proxy keeps byte for byte on both back ends. */
    protected List<String> awkwardKeys() {
        return List.of(
                "incoming/with space.csv",
                "incoming/plus+sign.csv",
                "incoming/percent%2Fencoded.csv",
                "incoming/quote'double\".csv",
                "incoming/hash#question?amp&eq=.csv",
                "incoming/unicode-ü-日本語.csv",
                "incoming/nfd-u\u0308.csv", // NFD; must stay distinct from the NFC "ü" above
                "incoming/emoji-😀.csv",
                "incoming/Case.csv",
                "incoming/case.csv",
                "incoming/back\\slash.csv",
                "incoming/tilde~star*.csv",
                "incoming/trailing space ",
                "incoming/tab\there.csv",
                "incoming/ctl\u0001char.csv", // XML 1.0 cannot carry U+0001: listed only URL-encoded
                "incoming/cr\rhere.csv", // an XML parser would turn a raw CR into LF
                "incoming/looks-like-a-temp-file.csv-0f8fad5b-d4cb-4e6f-a3e1-9e2b5e0c7f31",
                "incoming/.mpus-reserved-by-s3proxy.csv",
                "incoming/.s3proxy-slash",
                "incoming/empty.csv",
                longestKey());
    }

    static String key1024(boolean slashEvery200) {
        StringBuilder sb = new StringBuilder("incoming/long-");
        for (int i = 0; utf8Length(sb) < 1024; i++) {
            sb.append(slashEvery200 && i % 200 == 199 ? "/" : i % 50 == 0 ? "é" : "k");
        }
        while (utf8Length(sb) > 1024) {
            sb.setLength(sb.length() - 1);
        }
        while (utf8Length(sb) < 1024) {
            sb.append('z');
        }
        return sb.toString();
    }

    private static int utf8Length(CharSequence s) {
        return s.toString().getBytes(StandardCharsets.UTF_8).length;
    }

    private static byte[] bodyOf(String key) {
        return key.equals("incoming/empty.csv") ? new byte[0] : ("data of " + key).getBytes(StandardCharsets.UTF_8);
    }

    private List<String> listKeys(String prefix) {
        List<String> keys = new ArrayList<>();
        // maxKeys 2 forces many pages: the continuation token must carry every awkward key. URL
        // encoding is how any client lists keys that XML cannot carry; the SDK decodes them again.
        s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix).maxKeys(2).encodingType(EncodingType.URL))
                .contents()
                .stream().map(S3Object::key).forEach(keys::add);
        return keys;
    }

    @Test
    void putListGetCopyDelete_awkwardKeys_byteIdenticalAndOrdered() {
        // Arrange
        List<String> keys = awkwardKeys();
        assertThat(utf8Length(longestKey())).isEqualTo(1024);

        // Act: put
        for (String key : keys) {
            s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(bodyOf(key)));
        }

        // Assert: listed byte for byte, sorted (these keys sort the same in UTF-8 and UTF-16 order)
        List<String> sorted = keys.stream().sorted().toList();
        assertThat(listKeys("incoming/")).containsExactlyElementsOf(sorted);

        for (String key : keys) {
            // get
            assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray())
                    .as("get %s", key).isEqualTo(bodyOf(key));
            // copy guarded by the etag, as the loader moves files
            String etag = s3.headObject(b -> b.bucket(bucket).key(key)).eTag();
            String target = "processed/" + key.substring("incoming/".length());
            s3.copyObject(b -> b.sourceBucket(bucket).sourceKey(key)
                    .destinationBucket(bucket).destinationKey(target).copySourceIfMatch(etag));
            assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket).key(target)).asByteArray())
                    .as("copy of %s", key).isEqualTo(bodyOf(key));
            // delete
            s3.deleteObject(b -> b.bucket(bucket).key(key));
        }
        assertThat(listKeys("incoming/")).isEmpty();
        assertThat(listKeys("processed/")).hasSize(keys.size());
    }

    @Test
    void listObjectsV2_controlCharacterKeyWithoutUrlEncoding_unreadableAsOnAws() {
        // Arrange: AWS writes U+0001 as &#x1;, which XML 1.0 forbids; a client must list with
        // EncodingType=url. This server must not hide that mistake by answering readably.
        s3.putObject(b -> b.bucket(bucket).key("incoming/ctl\u0001.csv"), RequestBody.fromString("x"));

        // Act, Assert
        assertThatThrownBy(() -> s3NoRetry.listObjectsV2(b -> b.bucket(bucket).prefix("incoming/")))
                .isInstanceOf(SdkException.class).hasMessageContaining("Could not parse XML response");
        assertThat(listKeys("incoming/")).containsExactly("incoming/ctl\u0001.csv");
    }

    @Test
    void listObjectsV2_supplementaryVsHighBmpCharacters_sortedByUtf16Limitation() {
        // Arrange: AWS S3 sorts by UTF-8 bytes: U+FF46 (EF BD 86) before U+1F600 (F0 9F 98 80).
        // S3Proxy sorts Java strings (UTF-16 code units): U+1F600 (D83D DE00) before U+FF46.
        for (String key : List.of("order/x-ｆ", "order/x-😀", "order/x-~", "order/x.", "order/x/y", "order/x0")) {
            s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromString("v"));
        }

        // Act
        List<String> listed = listKeys("order/");

        // Assert
        assertThat(listed).containsExactly("order/x-~", "order/x-😀", "order/x-ｆ", "order/x.", "order/x/y", "order/x0");
    }

    @Test
    void putObject_keysWithEmptyAndDotSegments_surviveByteForByte() {
        // S3Proxy's back ends store keys as paths; EmbeddedS3 escapes the segments a path cannot hold.
        List<String> keys = List.of("incoming/a//b.csv", "incoming//lead.csv", "incoming/./y.csv", "incoming/d/../x.csv",
                "incoming/100%/p.csv");
        for (String key : keys) {
            s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromString(key));
        }

        assertThat(listKeys("incoming/")).containsExactlyInAnyOrderElementsOf(keys);
        for (String key : keys) {
            assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asUtf8String()).isEqualTo(key);
        }
        assertThatThrownBy(() -> s3.getObjectAsBytes(b -> b.bucket(bucket).key("incoming/a/b.csv")))
                .isInstanceOf(NoSuchKeyException.class);
        s3.copyObject(b -> b.sourceBucket(bucket).sourceKey("incoming/a//b.csv").destinationBucket(bucket)
                .destinationKey("processed/a//b.csv"));
        assertThat(listKeys("processed/")).containsExactly("processed/a//b.csv");
    }

    @Test
    void putObject_keyEndingInSlashWithContent_contentDroppedLimitation() {
        // Act: S3Proxy stores a key ending in "/" as a directory marker, whatever the body.
        s3.putObject(b -> b.bucket(bucket).key("incoming/dir/"), RequestBody.fromString("not empty"));

        // Assert
        assertThat(listKeys("incoming/")).containsExactly("incoming/dir/");
        assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket).key("incoming/dir/")).asByteArray()).isEmpty();
    }

    @Test
    void putObject_keyAndKeyUnderItAsPrefix_cannotCoexistLimitation() {
        // Arrange: a file "k" and a file "k/child" are two objects on S3, a file and a directory here.
        s3.putObject(b -> b.bucket(bucket).key("incoming/k"), RequestBody.fromString("file"));
        s3.putObject(b -> b.bucket(bucket).key("incoming/d/child"), RequestBody.fromString("child"));

        // Act, Assert
        assertThatThrownBy(() -> s3NoRetry.putObject(b -> b.bucket(bucket).key("incoming/k/child"),
                RequestBody.fromString("child"))).isInstanceOf(SdkException.class);
        assertThatThrownBy(() -> s3NoRetry.putObject(b -> b.bucket(bucket).key("incoming/d"),
                RequestBody.fromString("file"))).isInstanceOf(SdkException.class);
        assertThat(listKeys("incoming/")).containsExactly("incoming/d/child", "incoming/k");
    }

    @Test
    void copyObject_wrongCopySourceIfMatch_rejected412() {
        // Arrange
        s3.putObject(b -> b.bucket(bucket).key("incoming/src"), RequestBody.fromString("source"));

        // Act, Assert
        assertThatThrownBy(() -> s3.copyObject(b -> b.sourceBucket(bucket).sourceKey("incoming/src")
                .destinationBucket(bucket).destinationKey("processed/src").copySourceIfMatch(WRONG_ETAG)))
                .isInstanceOfSatisfying(S3Exception.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(412);
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("PreconditionFailed");
                });
        assertThat(listKeys("processed/")).isEmpty();
    }

    @Test
    void putObject_ifNoneMatchStarOnExistingKey_rejected412() {
        // Arrange
        s3.putObject(b -> b.bucket(bucket).key("state"), RequestBody.fromString("v1"));

        // Act, Assert
        assertThatThrownBy(() -> s3.putObject(b -> b.bucket(bucket).key("state").ifNoneMatch("*"),
                RequestBody.fromString("v2"))).isInstanceOfSatisfying(S3Exception.class,
                e -> assertThat(e.statusCode()).isEqualTo(412));
        assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket).key("state")).asUtf8String()).isEqualTo("v1");
        s3.putObject(b -> b.bucket(bucket).key("state-new").ifNoneMatch("*"), RequestBody.fromString("n"));
    }

    @Test
    void putObject_ifMatch_wrongEtagRejected412RightEtagWritesMissingKey404() {
        // Arrange
        String etag = s3.putObject(b -> b.bucket(bucket).key("state"), RequestBody.fromString("v1")).eTag();

        // Act, Assert
        assertThatThrownBy(() -> s3.putObject(b -> b.bucket(bucket).key("state").ifMatch(WRONG_ETAG),
                RequestBody.fromString("v2"))).isInstanceOfSatisfying(S3Exception.class,
                e -> assertThat(e.statusCode()).isEqualTo(412));
        assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket).key("state")).asUtf8String()).isEqualTo("v1");

        s3.putObject(b -> b.bucket(bucket).key("state").ifMatch(etag), RequestBody.fromString("v3"));
        assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket).key("state")).asUtf8String()).isEqualTo("v3");

        assertThatThrownBy(() -> s3.putObject(b -> b.bucket(bucket).key("missing").ifMatch(etag),
                RequestBody.fromString("m"))).isInstanceOf(NoSuchKeyException.class);
    }

    @Test
    void putObject_repeatedPreconditionFailuresWith1MiBBody_each412WithoutExpectContinue() {
        // Arrange: guards NoExpectContinueInterceptor; with Expect: 100-continue these requests
        // fail with I/O errors or stall for the 30 s socket timeout. Rather than time them, the
        // test checks the cause: no request that reaches the wire carries the header.
        byte[] body = new byte[1024 * 1024];
        List<String> expectHeaders = new java.util.concurrent.CopyOnWriteArrayList<>();
        ExecutionInterceptor wire = new ExecutionInterceptor() {
            @Override
            public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
                context.httpRequest().firstMatchingHeader("Expect").ifPresent(expectHeaders::add);
            }
        };
        S3ClientBuilder builder = server().newClientBuilder();
        try (S3Client recorded = builder.overrideConfiguration(builder.overrideConfiguration().toBuilder()
                .addExecutionInterceptor(wire).build()).build()) {
            recorded.putObject(b -> b.bucket(bucket).key("state"), RequestBody.fromBytes(body));

            // Act, Assert
            for (int i = 0; i < 10; i++) {
                assertThatThrownBy(() -> recorded.putObject(b -> b.bucket(bucket).key("state").ifNoneMatch("*"),
                        RequestBody.fromBytes(body))).isInstanceOfSatisfying(S3Exception.class,
                        e -> assertThat(e.statusCode()).isEqualTo(412));
                assertThatThrownBy(() -> recorded.putObject(b -> b.bucket(bucket).key("state").ifMatch(WRONG_ETAG),
                        RequestBody.fromBytes(body))).isInstanceOfSatisfying(S3Exception.class,
                        e -> assertThat(e.statusCode()).isEqualTo(412));
            }
        }
        assertThat(expectHeaders).isEmpty();
    }

    @Test
    void deleteObject_ifMatchWrongEtag_rejected412() {
        // Arrange
        String etag = s3.putObject(b -> b.bucket(bucket).key("incoming/f"), RequestBody.fromString("v")).eTag();

        // Act, Assert
        assertThatThrownBy(() -> s3.deleteObject(b -> b.bucket(bucket).key("incoming/f").ifMatch(WRONG_ETAG)))
                .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(412));
        assertThat(listKeys("incoming/")).containsExactly("incoming/f");

        s3.deleteObject(b -> b.bucket(bucket).key("incoming/f").ifMatch(etag));
        assertThat(listKeys("incoming/")).isEmpty();
    }

    @Test
    void uploadPartCopy_12MiBIn5MiBRangesWithIfMatch_byteIdenticalObject() {
        // Arrange
        byte[] source = new byte[12 * 1024 * 1024 + 12_345];
        new Random(42).nextBytes(source);
        String etag = s3.putObject(b -> b.bucket(bucket).key("incoming/big.bin"), RequestBody.fromBytes(source)).eTag();
        long partSize = 5L * 1024 * 1024;

        // Act
        String uploadId = s3.createMultipartUpload(b -> b.bucket(bucket).key("processed/big.bin")).uploadId();
        List<CompletedPart> parts = new ArrayList<>();
        for (int n = 1; (long) (n - 1) * partSize < source.length; n++) {
            long first = (n - 1) * partSize;
            long last = Math.min(source.length, n * partSize) - 1;
            int partNumber = n;
            String partEtag = s3.uploadPartCopy(b -> b.sourceBucket(bucket).sourceKey("incoming/big.bin")
                    .destinationBucket(bucket).destinationKey("processed/big.bin").uploadId(uploadId)
                    .partNumber(partNumber).copySourceRange("bytes=" + first + "-" + last)
                    .copySourceIfMatch(etag)).copyPartResult().eTag();
            parts.add(CompletedPart.builder().partNumber(partNumber).eTag(partEtag).build());
        }
        s3.completeMultipartUpload(b -> b.bucket(bucket).key("processed/big.bin").uploadId(uploadId)
                .multipartUpload(m -> m.parts(parts)));

        // Assert
        assertThat(parts).hasSize(3);
        assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket).key("processed/big.bin")).asByteArray())
                .isEqualTo(source);
    }

    @Test
    void uploadPartCopy_wrongCopySourceIfMatch_rejected412() {
        // Arrange
        s3.putObject(b -> b.bucket(bucket).key("incoming/src"), RequestBody.fromString("source bytes"));
        String uploadId = s3.createMultipartUpload(b -> b.bucket(bucket).key("processed/src")).uploadId();

        // Act, Assert
        assertThatThrownBy(() -> s3.uploadPartCopy(b -> b.sourceBucket(bucket).sourceKey("incoming/src")
                .destinationBucket(bucket).destinationKey("processed/src").uploadId(uploadId).partNumber(1)
                .copySourceRange("bytes=0-5").copySourceIfMatch(WRONG_ETAG)))
                .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(412));
        s3.abortMultipartUpload(b -> b.bucket(bucket).key("processed/src").uploadId(uploadId));
    }

    @Test
    void putObject_defaultChecksumsKnownAndUnknownLength_stored() {
        // Arrange: SDK 2.41 defaults to requestChecksumCalculation WHEN_SUPPORTED (CRC32, aws-chunked).
        byte[] data = new byte[3 * 1024 * 1024 + 17];
        new Random(7).nextBytes(data);

        // Act
        s3.putObject(b -> b.bucket(bucket).key("known"), RequestBody.fromBytes(data));
        s3.putObject(b -> b.bucket(bucket).key("unknown"), RequestBody.fromContentProvider(
                ContentStreamProvider.fromInputStream(new ByteArrayInputStream(data)), "application/octet-stream"));
        try (S3Client whenRequired = server().newClientBuilder()
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED).build()) {
            whenRequired.putObject(b -> b.bucket(bucket).key("unknown-when-required"), RequestBody.fromContentProvider(
                    ContentStreamProvider.fromInputStream(new ByteArrayInputStream(data)), "application/octet-stream"));
        }

        // Assert
        for (String key : List.of("known", "unknown", "unknown-when-required")) {
            assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray()).as(key).isEqualTo(data);
        }
    }

    @Test
    void anyRequest_wrongSecretKey_rejected403() {
        try (S3Client wrong = server().newClientBuilder().credentialsProvider(StaticCredentialsProvider.create(
                AwsBasicCredentials.create(EmbeddedS3.ACCESS_KEY, "not-the-secret"))).build()) {
            assertThatThrownBy(() -> wrong.listObjectsV2(b -> b.bucket(bucket)))
                    .isInstanceOfSatisfying(S3Exception.class, e -> {
                        assertThat(e.statusCode()).isEqualTo(403);
                        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("SignatureDoesNotMatch");
                    });
        }
    }
}
