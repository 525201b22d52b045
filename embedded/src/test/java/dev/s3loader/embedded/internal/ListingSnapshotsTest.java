package dev.s3loader.embedded.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.model.CreateBucketRequest;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Object;

/** The snapshots' memory bound: the names all listings in progress hold together. */
class ListingSnapshotsTest {
    private static final String BUCKET = "b";

    @Test
    void snapshots_pastTheHeldNamesBound_leastRecentlyUsedDropped_itsListingStillExact() {
        // Arrange: 150 keys; snapshots of at most 100 names, at most 250 held in all.
        BlobStore backEnd = new TransientNio2BlobStore();
        backEnd.createContainer(CreateBucketRequest.builder().bucket(BUCKET).build());
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            String key = String.format("incoming/k-%03d", i);
            backEnd.putBlob(PutObjectRequest.builder().bucket(BUCKET).key(key).build(),
                    new ByteArrayInputStream(new byte[] {1}));
            keys.add(key);
        }
        AtomicInteger scans = new AtomicInteger();
        ListingSource walk = KeyEscapingBlobStore.listingFor(backEnd);
        ListingSource counted = new ListingSource() {
            @Override
            public ListObjectsV2Response names(ListObjectsV2Request request) {
                scans.incrementAndGet();
                return walk.names(request);
            }

            @Override
            public List<S3Object> describe(String bucket, List<String> storedNames) {
                return walk.describe(bucket, storedNames);
            }
        };
        ListingSnapshots snapshots = new ListingSnapshots(counted, 100, 250);
        ListObjectsV2Request request = ListObjectsV2Request.builder().bucket(BUCKET).prefix("incoming/").maxKeys(50)
                .build();

        // Act: three listings started, then the first one finished.
        ListObjectsV2Response a = snapshots.page(request, "incoming/", null, null);
        snapshots.page(request, "incoming/", null, null);
        snapshots.page(request, "incoming/", null, null);
        int heldAfterThree = snapshots.held();
        List<String> listed = new ArrayList<>(a.contents().stream().map(S3Object::key).toList());
        for (String token = a.nextContinuationToken(); token != null; ) {
            ListObjectsV2Response r = snapshots.page(request, "incoming/", token, null);
            r.contents().forEach(o -> listed.add(o.key()));
            token = r.nextContinuationToken();
        }

        // Assert
        assertThat(heldAfterThree).as("snapshots held (100 names each, 250 at most)").isEqualTo(2);
        assertThat(listed).containsExactlyElementsOf(keys);
        // Three first pages, and the dropped listing's second page, whose scan holds the rest.
        assertThat(scans.get()).isEqualTo(4);
    }
}
