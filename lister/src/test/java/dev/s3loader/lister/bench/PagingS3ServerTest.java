package dev.s3loader.lister.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.s3loader.model.KeyOrder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.EncodingType;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/** The benchmark's paging S3 endpoint pages as S3 does, seen through the real SDK client. */
class PagingS3ServerTest {
    private static final String B = BenchStack.BUCKET;

    private static BenchStack stack(SyntheticKeys keys) {
        return new BenchStack(keys, Duration.ZERO, false);
    }

    private static List<String> keys(ListObjectsV2Response r) {
        return r.contents().stream().map(S3Object::key).toList();
    }

    private static List<String> range(SyntheticKeys k, long from, long to) {
        return LongStream.range(from, to).mapToObj(k::key).toList();
    }

    @Test
    void listObjectsV2_maxKeysAndContinuation_pagesEveryKeyOnceInOrder() {
        SyntheticKeys k = SyntheticKeys.uniform("incoming/", 2500);
        try (BenchStack s = stack(k)) {
            ListObjectsV2Response first = s.s3().listObjectsV2(b -> b.bucket(B).prefix("incoming/").maxKeys(1000));
            ListObjectsV2Response second = s.s3().listObjectsV2(b -> b.bucket(B).prefix("incoming/").maxKeys(1000)
                    .continuationToken(first.nextContinuationToken()));
            ListObjectsV2Response third = s.s3().listObjectsV2(b -> b.bucket(B).prefix("incoming/").maxKeys(1000)
                    .continuationToken(second.nextContinuationToken()));

            assertThat(keys(first)).isEqualTo(range(k, 0, 1000));
            assertThat(first.isTruncated()).isTrue();
            assertThat(first.keyCount()).isEqualTo(1000);
            assertThat(keys(second)).isEqualTo(range(k, 1000, 2000));
            assertThat(second.continuationToken()).isEqualTo(first.nextContinuationToken());
            assertThat(keys(third)).isEqualTo(range(k, 2000, 2500));
            assertThat(third.isTruncated()).isFalse();
            assertThat(third.nextContinuationToken()).isNull();
            assertThat(s.s3().listObjectsV2Paginator(b -> b.bucket(B).maxKeys(99)).contents().stream()
                    .map(S3Object::key).toList()).isEqualTo(range(k, 0, 2500));
        }
    }

    @Test
    void listObjectsV2_maxKeysAboveOneThousandOrZero_isCappedOrEmpty() {
        try (BenchStack s = stack(SyntheticKeys.uniform("incoming/", 1500))) {
            ListObjectsV2Response capped = s.s3().listObjectsV2(b -> b.bucket(B).maxKeys(5000));
            ListObjectsV2Response none = s.s3().listObjectsV2(b -> b.bucket(B).maxKeys(0));

            assertThat(capped.contents()).hasSize(1000);
            assertThat(capped.maxKeys()).isEqualTo(1000);
            assertThat(capped.isTruncated()).isTrue();
            assertThat(none.contents()).isEmpty();
            assertThat(none.isTruncated()).isFalse();
        }
    }

    @Test
    void listObjectsV2_startAfter_startsAfterAnyKeyPresentOrNot() {
        SyntheticKeys k = SyntheticKeys.uniform("incoming/", 100);
        try (BenchStack s = stack(k)) {
            assertThat(keys(s.s3().listObjectsV2(b -> b.bucket(B).startAfter(k.key(41)).maxKeys(3))))
                    .isEqualTo(range(k, 42, 45));
            assertThat(keys(s.s3().listObjectsV2(b -> b.bucket(B).startAfter(k.key(41) + "~").maxKeys(3))))
                    .isEqualTo(range(k, 42, 45));
            assertThat(keys(s.s3().listObjectsV2(b -> b.bucket(B).prefix("incoming/").startAfter("a").maxKeys(3))))
                    .isEqualTo(range(k, 0, 3));
            assertThat(s.s3().listObjectsV2(b -> b.bucket(B).startAfter(k.key(99))).contents()).isEmpty();
            // The paginator sends start-after on every page beside the token: the token decides, nothing repeats.
            assertThat(s.s3().listObjectsV2Paginator(b -> b.bucket(B).startAfter(k.key(5)).maxKeys(10)).contents()
                    .stream().map(S3Object::key).toList()).isEqualTo(range(k, 6, 100));
        }
    }

    @Test
    void listObjectsV2_prefix_onlyThatContiguousRunOfKeys() {
        SyntheticKeys k = SyntheticKeys.dated("incoming/", 10_000);
        List<String> expected = LongStream.range(0, k.count()).mapToObj(k::key)
                .filter(key -> key.startsWith("incoming/2026-11-03/")).toList();
        try (BenchStack s = stack(k)) {
            List<String> listed = s.s3().listObjectsV2Paginator(b -> b.bucket(B).prefix("incoming/2026-11-03/")
                    .maxKeys(10)).contents().stream().map(S3Object::key).toList();

            assertThat(expected).isNotEmpty();
            assertThat(listed).isEqualTo(expected);
            assertThat(s.s3().listObjectsV2(b -> b.bucket(B).prefix("processed/")).contents()).isEmpty();
            assertThat(s.s3().listObjectsV2(b -> b.bucket(B).prefix("incoming/2026-11-30/")).keyCount()).isEqualTo(1000);
        }
    }

    @Test
    void listObjectsV2_encodingTypeUrl_keysComeBackByteForByteAndEncodedOnTheWire() throws Exception {
        SyntheticKeys k = SyntheticKeys.uniform("incoming/", 3);
        String odd = "incoming/a b+c%d/\u00FC\uD83D\uDE00\t'\"&<.csv ";
        try (BenchStack s = stack(k)) {
            s.s3().putObject(b -> b.bucket(B).key(odd), RequestBody.fromString("x"));

            List<String> listed = keys(s.s3().listObjectsV2(b -> b.bucket(B).prefix("incoming/").encodingType(EncodingType.URL)));
            String wire = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(s.s3Server().endpoint() + "/" + B
                    + "?list-type=2&encoding-type=url&prefix=incoming%2Fa%20b")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();

            List<String> expected = new ArrayList<>(range(k, 0, 3));
            expected.add(odd);
            expected.sort(KeyOrder.UTF8);
            assertThat(listed).isEqualTo(expected);
            assertThat(wire).contains("<EncodingType>url</EncodingType>", "<Prefix>incoming/a%20b</Prefix>",
                    "<Key>incoming/a%20b%2Bc%25d/%C3%BC%F0%9F%98%80%09%27%22%26%3C.csv%20</Key>");
        }
    }

    @Test
    void listObjectsV2_removedKeys_areNotListedAndPagesStayWhole() {
        SyntheticKeys k = SyntheticKeys.uniform("incoming/", 300);
        try (BenchStack s = stack(k)) {
            for (long i = 0; i < 300; i += 3) {
                k.remove(i);
            }
            List<String> listed = s.s3().listObjectsV2Paginator(b -> b.bucket(B).maxKeys(64)).contents().stream()
                    .map(S3Object::key).toList();
            assertThat(listed).isEqualTo(LongStream.range(0, 300).filter(i -> i % 3 != 0).mapToObj(k::key).toList());
            assertThat(s.s3().listObjectsV2(b -> b.bucket(B).maxKeys(64)).contents()).hasSize(64);
        }
    }

    @Test
    void putObject_conditional_firstWriteOnlyOnceAndIfMatchOnTheEtagRead() {
        try (BenchStack s = stack(SyntheticKeys.uniform("incoming/", 1))) {
            String key = "_s3loader/lister-state";
            String etag = s.s3().putObject(b -> b.bucket(B).key(key).ifNoneMatch("*"), RequestBody.fromString("one")).eTag();

            assertThatThrownBy(() -> s.s3().putObject(b -> b.bucket(B).key(key).ifNoneMatch("*"), RequestBody.fromString("two")))
                    .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(412));
            assertThatThrownBy(() -> s.s3().putObject(b -> b.bucket(B).key(key).ifMatch("\"0\""), RequestBody.fromString("two")))
                    .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(412));
            s.s3().putObject(b -> b.bucket(B).key(key).ifMatch(etag), RequestBody.fromString("three"));
            assertThat(s.s3().getObjectAsBytes(b -> b.bucket(B).key(key)).asUtf8String()).isEqualTo("three");
            assertThatThrownBy(() -> s.s3().getObjectAsBytes(b -> b.bucket(B).key("_s3loader/none")))
                    .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(404));
        }
    }
}
