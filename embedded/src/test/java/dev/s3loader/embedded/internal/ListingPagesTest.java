package dev.s3loader.embedded.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.blobstore.ForwardingBlobStore;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.model.CreateBucketRequest;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The embedded server's listing, page by page, on a real S3Proxy back end: S3Proxy walks the whole
 * prefix for every page, so a listing of N keys cost N/1000 walks (quadratic); the escaping store
 * walks once per listing and still reports each page as it is now.
 */
class ListingPagesTest {
    private static final String BUCKET = "b";
    private final AtomicInteger walks = new AtomicInteger();
    private BlobStore store;

    @BeforeEach
    void setUp() {
        BlobStore backEnd = new ForwardingBlobStore(new TransientNio2BlobStore()) {
            @Override
            public ListObjectsV2Response list(ListObjectsV2Request request) {
                walks.incrementAndGet();
                return super.list(request);
            }
        };
        store = new KeyEscapingBlobStore(backEnd);
        store.createContainer(CreateBucketRequest.builder().bucket(BUCKET).build());
    }

    private void put(String key, String content) {
        store.putBlob(PutObjectRequest.builder().bucket(BUCKET).key(key).build(),
                new ByteArrayInputStream(content.getBytes(StandardCharsets.UTF_8)));
    }

    private ListObjectsV2Response page(String prefix, String token) {
        return store.list(ListObjectsV2Request.builder().bucket(BUCKET).prefix(prefix).maxKeys(1000)
                .continuationToken(token).build());
    }

    @Test
    void listingOfManyPages_walksTheBackEndOnce_everyKeyOnceInOrder() {
        for (int i = 0; i < 3_500; i++) {
            put(String.format("incoming/f-%05d.csv", i), "x");
        }
        put("other/z.csv", "x");
        walks.set(0);

        List<String> keys = new ArrayList<>();
        int pages = 0;
        String token = null;
        do {
            ListObjectsV2Response r = page("incoming/", token);
            r.contents().forEach(o -> keys.add(o.key()));
            token = r.nextContinuationToken();
            assertThat(r.isTruncated()).isEqualTo(token != null);
            pages++;
        } while (token != null);

        assertThat(keys).hasSize(3_500).doesNotHaveDuplicates().isSorted();
        assertThat(keys.getFirst()).isEqualTo("incoming/f-00000.csv");
        assertThat(pages).isEqualTo(4);
        assertThat(walks.get()).as("walks of the back end for a listing of %d pages", pages).isEqualTo(1);
    }

    @Test
    void laterPages_showTheObjectsAsTheyAreNow() {
        for (int i = 0; i < 1_500; i++) {
            put(String.format("incoming/f-%05d.csv", i), "x");
        }
        ListObjectsV2Response first = page("incoming/", null);
        assertThat(first.contents()).hasSize(1000);

        store.removeBlob(BUCKET, "incoming/f-01200.csv");
        put("incoming/f-01300.csv", "overwritten, longer");
        ListObjectsV2Response second = page("incoming/", first.nextContinuationToken());

        List<String> keys = second.contents().stream().map(S3Object::key).toList();
        assertThat(keys).hasSize(499).doesNotContain("incoming/f-01200.csv").contains("incoming/f-01300.csv");
        S3Object overwritten = second.contents().stream().filter(o -> o.key().equals("incoming/f-01300.csv")).findFirst()
                .orElseThrow();
        assertThat(overwritten.size()).isEqualTo("overwritten, longer".length());
        S3Object untouched = second.contents().stream().filter(o -> o.key().equals("incoming/f-01301.csv")).findFirst()
                .orElseThrow();
        assertThat(overwritten.eTag()).isNotEqualTo(untouched.eTag());
        assertThat(second.nextContinuationToken()).isNull();
    }

    @Test
    void newListing_seesAWriteMadeJustBefore() {
        put("incoming/a.csv", "x");
        assertThat(page("incoming/", null).contents()).hasSize(1);
        put("incoming/b.csv", "x");
        assertThat(page("incoming/", null).contents()).extracting(S3Object::key)
                .containsExactly("incoming/a.csv", "incoming/b.csv");
    }

    /** Counts the entries whose metadata (size, etag, date) a listing source reads. */
    private static final class CountingSource implements ListingSource {
        private final ListingSource source;
        final AtomicInteger metadataReads = new AtomicInteger();

        CountingSource(ListingSource source) {
            this.source = source;
        }

        @Override
        public ListObjectsV2Response names(ListObjectsV2Request request) {
            ListObjectsV2Response r = source.names(request);
            // An entry that comes with a size had its file's metadata read during the walk.
            metadataReads.addAndGet((int) r.contents().stream().filter(o -> o.size() != null).count());
            return r;
        }

        @Override
        public List<S3Object> describe(String bucket, List<String> storedNames) {
            metadataReads.addAndGet(storedNames.size());
            return source.describe(bucket, storedNames);
        }
    }

    @Test
    void page_onTheNio2BackEnd_readsTheMetadataOfItsOwnEntriesOnly() {
        // Arrange: the back end and listing source the embedded server uses, counted.
        BlobStore backEnd = new TransientNio2BlobStore();
        CountingSource source = new CountingSource(KeyEscapingBlobStore.listingFor(backEnd));
        store = new KeyEscapingBlobStore(backEnd, source);
        store.createContainer(CreateBucketRequest.builder().bucket(BUCKET).build());
        for (int i = 0; i < 3_500; i++) {
            put(String.format("incoming/f-%05d.csv", i), "x");
        }

        // Act
        ListObjectsV2Response first = page("incoming/", null);
        int readsForFirstPage = source.metadataReads.get();
        List<S3Object> all = new ArrayList<>(first.contents());
        for (String token = first.nextContinuationToken(); token != null; ) {
            ListObjectsV2Response r = page("incoming/", token);
            all.addAll(r.contents());
            token = r.nextContinuationToken();
        }

        // Assert: every object once, with its metadata, each file's metadata read once.
        assertThat(first.contents()).hasSize(1000);
        assertThat(readsForFirstPage).as("entries whose metadata the first page read").isEqualTo(1000);
        assertThat(all).hasSize(3_500).allSatisfy(o -> {
            assertThat(o.size()).isEqualTo(1L);
            assertThat(o.eTag()).isNotBlank();
            assertThat(o.lastModified()).isNotNull();
        });
        assertThat(source.metadataReads.get()).as("entries whose metadata the listing read").isEqualTo(3_500);
    }

    @Test
    void listing_onTheNio2BackEnd_writesAndDeletesDuringIt_untouchedKeysOnceInOrderDeletedOnesGone() {
        // Arrange: the embedded server's store as it is (names walked from the directories), nested keys.
        store = new KeyEscapingBlobStore(new TransientNio2BlobStore());
        store.createContainer(CreateBucketRequest.builder().bucket(BUCKET).build());
        List<String> untouched = new ArrayList<>();
        for (int i = 0; i < 2_500; i++) {
            String key = String.format("incoming/d%d/f-%05d.csv", i / 500, i);
            put(key, "x");
            untouched.add(key);
        }
        ListObjectsV2Response first = page("incoming/", null);
        List<String> listed = new ArrayList<>(first.contents().stream().map(S3Object::key).toList());

        // Act: between pages, delete keys ahead (one directory's every key, so S3Proxy removes it),
        // overwrite one ahead, write new keys behind and ahead of the listing's position.
        for (int i = 1_500; i < 2_000; i++) {
            String key = String.format("incoming/d3/f-%05d.csv", i);
            store.removeBlob(BUCKET, key);
            untouched.remove(key);
        }
        store.removeBlob(BUCKET, "incoming/d2/f-01200.csv");
        untouched.remove("incoming/d2/f-01200.csv");
        put("incoming/d2/f-01300.csv", "overwritten");
        untouched.remove("incoming/d2/f-01300.csv");
        put("incoming/d0/new-behind.csv", "x");
        put("incoming/d4/new-ahead.csv", "x");
        put("incoming/d9/new-dir.csv", "x");
        List<S3Object> later = new ArrayList<>();
        for (String token = first.nextContinuationToken(); token != null; ) {
            ListObjectsV2Response r = page("incoming/", token);
            later.addAll(r.contents());
            token = r.nextContinuationToken();
        }
        later.forEach(o -> listed.add(o.key()));

        // Assert: S3 leaves keys written during a listing to chance, never an untouched key, a
        // deleted one, or a key twice.
        assertThat(listed).doesNotHaveDuplicates().isSorted().containsAll(untouched)
                .doesNotContain("incoming/d2/f-01200.csv", "incoming/d3/f-01500.csv", "incoming/d0/new-behind.csv");
        assertThat(listed.stream().filter(k -> !untouched.contains(k)).toList())
                .isSubsetOf("incoming/d2/f-01300.csv", "incoming/d4/new-ahead.csv", "incoming/d9/new-dir.csv");
        assertThat(later).filteredOn(o -> o.key().equals("incoming/d2/f-01300.csv")).singleElement()
                .satisfies(o -> assertThat(o.size()).isEqualTo("overwritten".length()));
        assertThat(store.list(ListObjectsV2Request.builder().bucket(BUCKET).prefix("incoming/").build()).contents())
                .extracting(S3Object::key).contains("incoming/d0/new-behind.csv", "incoming/d4/new-ahead.csv", "incoming/d9/new-dir.csv");
    }

    @Test
    void nextPage_withoutMaxKeys_theRestInOnePage() {
        // Arrange: the escaping store over the nio2 walk; a caller inside the JVM may leave maxKeys unset.
        store = new KeyEscapingBlobStore(new TransientNio2BlobStore());
        store.createContainer(CreateBucketRequest.builder().bucket(BUCKET).build());
        for (int i = 0; i < 10; i++) {
            put(String.format("incoming/f-%02d.csv", i), "x");
        }
        ListObjectsV2Response first = store.list(ListObjectsV2Request.builder().bucket(BUCKET).prefix("incoming/")
                .startAfter("incoming/f-01.csv").maxKeys(3).build());

        // Act
        ListObjectsV2Response rest = store.list(ListObjectsV2Request.builder().bucket(BUCKET).prefix("incoming/")
                .continuationToken(first.nextContinuationToken()).build());

        // Assert
        assertThat(first.contents()).extracting(S3Object::key)
                .containsExactly("incoming/f-02.csv", "incoming/f-03.csv", "incoming/f-04.csv");
        assertThat(rest.contents()).extracting(S3Object::key).containsExactly("incoming/f-05.csv", "incoming/f-06.csv",
                "incoming/f-07.csv", "incoming/f-08.csv", "incoming/f-09.csv");
        assertThat(rest.isTruncated()).isFalse();
    }
}
