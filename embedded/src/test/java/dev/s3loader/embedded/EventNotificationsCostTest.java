package dev.s3loader.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3loader.embedded.internal.EventNotifyingBlobStore;
import java.io.ByteArrayInputStream;
import java.util.concurrent.atomic.AtomicInteger;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.blobstore.ForwardingBlobStore;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.model.CopyObjectRequest;
import software.amazon.awssdk.services.s3.model.CreateBucketRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * An event needs the object's size, read back after the write; a write no configuration sends an
 * event for (another bucket, another prefix, none configured) must not pay that read: it was one
 * more metadata read per PUT and COPY of every mover on the embedded server.
 */
class EventNotificationsCostTest {
    @Test
    void writes_noEventConfiguredForThem_readNoMetadataBack() {
        // Arrange
        AtomicInteger reads = new AtomicInteger();
        BlobStore backEnd = new ForwardingBlobStore(new TransientNio2BlobStore()) {
            @Override
            public HeadObjectResponse blobMetadataIfPresent(String container, String name) {
                reads.incrementAndGet();
                return super.blobMetadataIfPresent(container, name);
            }
        };
        EventNotifications events = new EventNotifications();
        BlobStore store = new EventNotifyingBlobStore(backEnd, events);
        store.createContainer(CreateBucketRequest.builder().bucket("b").build());
        events.toQueue("b", "incoming/", null, "unused");

        // Act: writes outside the configured prefix, and to a bucket with no configuration.
        store.putBlob(PutObjectRequest.builder().bucket("b").key("other/a.csv").build(),
                new ByteArrayInputStream(new byte[] {1}));
        store.copyBlob(CopyObjectRequest.builder().sourceBucket("b").sourceKey("other/a.csv").destinationBucket("b")
                .destinationKey("processed/a.csv").build());
        events.off("b");
        store.putBlob(PutObjectRequest.builder().bucket("b").key("incoming/a.csv").build(),
                new ByteArrayInputStream(new byte[] {1}));

        // Assert
        assertThat(reads.get()).as("metadata reads after writes that send no event").isZero();
    }
}
