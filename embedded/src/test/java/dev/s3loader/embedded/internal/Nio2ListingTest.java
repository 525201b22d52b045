package dev.s3loader.embedded.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.blobstore.domain.MultipartUpload;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateBucketRequest;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.StorageClass;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;

/**
 * {@link Nio2Listing} reads S3Proxy's directory layout itself: these tests hold it to S3Proxy's own
 * listing of the same store (names, order, prefixes, folder objects, tokens, and each object's
 * etag, size, date and storage class), on both nio2 back ends.
 */
class Nio2ListingTest {
    private static final String BUCKET = "b";

    @TempDir
    static Path dir;

    static Stream<Arguments> backEnds() throws Exception {
        Path data = Files.createDirectories(dir.resolve(UUID.randomUUID().toString())).toRealPath();
        return Stream.of(
                Arguments.of("filesystem-nio2", new FilesystemNio2BlobStore(data.toString())),
                Arguments.of("transient-nio2", new TransientNio2BlobStore()));
    }

    private static void put(BlobStore store, String key, String content) {
        store.putBlob(PutObjectRequest.builder().bucket(BUCKET).key(key).build(),
                new ByteArrayInputStream(content.getBytes(StandardCharsets.UTF_8)));
    }

    /** Keys through the escaping store (as the server stores them), a multipart object, a storage class, debris. */
    private static void populate(BlobStore backEnd, Path root) throws Exception {
        BlobStore store = new KeyEscapingBlobStore(backEnd, new BackEndListing(backEnd));
        store.createContainer(CreateBucketRequest.builder().bucket(BUCKET).build());
        for (String key : List.of("incoming/a.csv", "incoming/b b.csv", "incoming/c+%.csv", "incoming/ü-日本.csv",
                "incoming/emoji-😀", "incoming/ｆ", "incoming/tab\there", "incoming/cr\rhere", "incoming/ctl\u0001",
                "incoming/trailing ", "incoming/d/x.csv", "incoming/d/e/y.csv", "incoming/d.csv", "incoming/d0",
                "incoming/a//b", "incoming/./dot", "incoming/.mpus-user", "incoming/.s3proxy-slash",
                "incoming/x-0f8fad5b-d4cb-4e6f-a3e1-9e2b5e0c7f31", "incoming/folder/", "incoming/full/",
                "incoming/full/inside.csv", "incoming/", "processed/p.csv", "top.csv")) {
            put(store, key, key.endsWith("/") ? "" : "data of " + key);
        }
        store.putBlob(PutObjectRequest.builder().bucket(BUCKET).key("incoming/cold.csv")
                .storageClass(StorageClass.STANDARD_IA).build(), new ByteArrayInputStream(new byte[] {1, 2, 3}));
        MultipartUpload upload = store.initiateMultipartUpload(CreateMultipartUploadRequest.builder().bucket(BUCKET)
                .key("incoming/multi.bin").build());
        String etag = store.uploadMultipartPart(upload, UploadPartRequest.builder().bucket(BUCKET)
                .key("incoming/multi.bin").uploadId(upload.id()).partNumber(1).contentLength(777L).build(),
                new ByteArrayInputStream(new byte[777])).eTag();
        store.completeMultipartUpload(upload, CompleteMultipartUploadRequest.builder().bucket(BUCKET)
                .key("incoming/multi.bin").uploadId(upload.id())
                .multipartUpload(m -> m.parts(CompletedPart.builder().partNumber(1).eTag(etag).build())).build());
        // An upload in progress (S3Proxy's hidden parts) and an unfinished write (its temporary file).
        MultipartUpload open = store.initiateMultipartUpload(CreateMultipartUploadRequest.builder().bucket(BUCKET)
                .key("incoming/open.bin").build());
        store.uploadMultipartPart(open, UploadPartRequest.builder().bucket(BUCKET).key("incoming/open.bin")
                .uploadId(open.id()).partNumber(1).contentLength(10L).build(), new ByteArrayInputStream(new byte[10]));
        Files.writeString(root.resolve(BUCKET).resolve("incoming/d/half.csv-" + UUID.randomUUID()), "half");
    }

    private static Path root(BlobStore backEnd) throws Exception {
        var getRoot = org.gaul.s3proxy.nio2blob.AbstractNio2BlobStore.class.getDeclaredMethod("getRoot");
        getRoot.setAccessible(true);
        return (Path) getRoot.invoke(backEnd);
    }

    private static List<String> names(ListObjectsV2Response r) {
        List<String> names = new ArrayList<>();
        r.contents().forEach(o -> names.add("object " + o.key()));
        r.commonPrefixes().stream().map(CommonPrefix::prefix).forEach(p -> names.add("prefix " + p));
        names.sort((a, b) -> a.substring(a.indexOf(' ') + 1).compareTo(b.substring(b.indexOf(' ') + 1)));
        return names;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backEnds")
    void names_sameEntriesOrderAndTokensAsS3ProxysOwnListing(String name, BlobStore backEnd) throws Exception {
        // Arrange
        populate(backEnd, root(backEnd));
        ListingSource walk = KeyEscapingBlobStore.listingFor(backEnd);
        ListingSource s3proxy = new BackEndListing(backEnd);
        assertThat(walk).isInstanceOf(Nio2Listing.class);
        List<String> afters = new ArrayList<>(Arrays.asList(null, "incoming/", "incoming/a.csv", "incoming/d",
                "incoming/d/", "incoming/d/e/y.csv", "incoming/ｆ", "zzz"));

        for (String prefix : Arrays.asList(null, "", "incoming/", "incoming/d/", "incoming/full/", "missing/")) {
            for (String delimiter : Arrays.asList(null, "/")) {
                for (String after : afters) {
                    for (Integer maxKeys : Arrays.asList(null, 1, 3, 1000)) {
                        ListObjectsV2Request request = ListObjectsV2Request.builder().bucket(BUCKET).prefix(prefix)
                                .delimiter(delimiter).startAfter(after).maxKeys(maxKeys).build();

                        // Act
                        ListObjectsV2Response expected = s3proxy.names(request);
                        ListObjectsV2Response actual = walk.names(request);

                        // Assert
                        String what = String.format("prefix %s, delimiter %s, after %s, maxKeys %s", prefix,
                                delimiter, after, maxKeys);
                        assertThat(names(actual)).as(what).containsExactlyElementsOf(names(expected));
                        assertThat(actual.nextContinuationToken()).as(what).isEqualTo(expected.nextContinuationToken());
                        // Folder objects come with their metadata, as S3Proxy lists them.
                        actual.contents().stream().filter(o -> o.key().endsWith("/")).forEach(o ->
                                assertThat(o).as(what).isEqualTo(expected.contents().stream()
                                        .filter(e -> e.key().equals(o.key())).findFirst().orElseThrow()));
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backEnds")
    void describe_sameMetadataAsS3ProxysOwnListing(String name, BlobStore backEnd) throws Exception {
        // Arrange
        populate(backEnd, root(backEnd));
        ListingSource walk = KeyEscapingBlobStore.listingFor(backEnd);
        List<S3Object> expected = backEnd.list(ListObjectsV2Request.builder().bucket(BUCKET).build()).contents()
                .stream().filter(o -> !o.key().endsWith("/") && !UnfinishedWrites.isTemporary(o.key())).toList();
        List<String> names = new ArrayList<>(expected.stream().map(S3Object::key).toList());
        names.add(2, "incoming/gone.csv");

        // Act
        List<S3Object> actual = walk.describe(BUCKET, names);

        // Assert
        assertThat(actual).containsExactlyElementsOf(expected);
        assertThat(actual).filteredOn(o -> o.key().equals("incoming/multi.bin")).singleElement()
                .satisfies(o -> assertThat(o.eTag()).endsWith("-1\""));
        assertThat(actual).filteredOn(o -> o.key().equals("incoming/cold.csv")).singleElement()
                .satisfies(o -> assertThat(o.storageClassAsString()).isEqualTo("STANDARD_IA"));
    }
}
