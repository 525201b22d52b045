package dev.s3loader.embedded.internal;

import java.util.ArrayList;
import java.util.List;
import org.gaul.s3proxy.blobstore.BlobStore;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.ObjectStorageClass;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Names and metadata through the back end's own BlobStore calls: works on any back end, but its
 * listing reads every entry's metadata ({@link Nio2Listing} does not).
 */
final class BackEndListing implements ListingSource {
    private final BlobStore store;

    BackEndListing(BlobStore store) {
        this.store = store;
    }

    @Override
    public ListObjectsV2Response names(ListObjectsV2Request request) {
        return store.list(request);
    }

    @Override
    public List<S3Object> describe(String bucket, List<String> storedNames) {
        List<S3Object> objects = new ArrayList<>(storedNames.size());
        for (String name : storedNames) {
            HeadObjectResponse h = store.blobMetadataIfPresent(bucket, name);
            if (h != null) {
                objects.add(S3Object.builder().key(name).eTag(h.eTag()).size(h.contentLength())
                        .lastModified(h.lastModified()).storageClass(ObjectStorageClass.fromValue(
                                h.storageClassAsString() == null ? "STANDARD" : h.storageClassAsString()))
                        .build());
            }
        }
        return objects;
    }
}
