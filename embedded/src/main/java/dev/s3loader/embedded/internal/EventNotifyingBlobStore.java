package dev.s3loader.embedded.internal;

import dev.s3loader.embedded.EventNotifications;
import java.io.InputStream;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.blobstore.ForwardingBlobStore;
import org.gaul.s3proxy.blobstore.domain.MultipartUpload;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.CopyObjectRequest;
import software.amazon.awssdk.services.s3.model.CopyObjectResponse;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;

/**
 * Tells {@link EventNotifications} about every object created, with the client's key (this store
 * sits outside {@link KeyEscapingBlobStore}), once the write has succeeded: a rejected write
 * (a failed precondition, a bad digest) throws before and sends nothing, as on AWS.
 */
public final class EventNotifyingBlobStore extends ForwardingBlobStore {
    private final EventNotifications events;

    public EventNotifyingBlobStore(BlobStore delegate, EventNotifications events) {
        super(delegate);
        this.events = events;
    }

    @Override
    public PutObjectResponse putBlob(PutObjectRequest request, InputStream content) {
        PutObjectResponse r = delegate().putBlob(request, content);
        created("Put", request.bucket(), request.key(), r.eTag());
        return r;
    }

    @Override
    public CopyObjectResponse copyBlob(CopyObjectRequest request) {
        CopyObjectResponse r = delegate().copyBlob(request);
        created("Copy", request.destinationBucket(), request.destinationKey(),
                r.copyObjectResult() == null ? null : r.copyObjectResult().eTag());
        return r;
    }

    @Override
    public CompleteMultipartUploadResponse completeMultipartUpload(MultipartUpload upload,
                                                                   CompleteMultipartUploadRequest request) {
        CompleteMultipartUploadResponse r = delegate().completeMultipartUpload(upload, request);
        created("CompleteMultipartUpload", request.bucket(), request.key(), r.eTag());
        return r;
    }

    private void created(String eventName, String bucket, String key, String etag) {
        if (!events.wanted(bucket, key)) {
            return; // no event to send: not worth a metadata read per write
        }
        // The size (and an etag the answer lacks) as stored now; a write racing this one is a later event of its own.
        var head = delegate().blobMetadataIfPresent(bucket, key);
        if (head != null) {
            events.created(eventName, bucket, key, etag == null ? head.eTag() : etag, head.contentLength());
        }
    }
}
