package dev.s3loader.embedded.internal;

import java.io.InputStream;
import java.util.List;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.blobstore.ForwardingBlobStore;
import org.gaul.s3proxy.blobstore.domain.MultipartUpload;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.CopyObjectRequest;
import software.amazon.awssdk.services.s3.model.CopyObjectResponse;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectResponse;
import software.amazon.awssdk.services.s3.model.DeleteObjectsRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.DeletedObject;
import software.amazon.awssdk.services.s3.model.GetObjectAclRequest;
import software.amazon.awssdk.services.s3.model.GetObjectAclResponse;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.ObjectCannedACL;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.Part;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.UploadPartCopyRequest;
import software.amazon.awssdk.services.s3.model.UploadPartCopyResponse;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

/**
 * Lets S3Proxy's file-system back ends hold every key S3 allows. Those back ends store a key as a
 * path, and a path has no empty, {@code .} or {@code ..} segment: {@code a//b} would become
 * {@code a/b} (another key) and {@code a/../b} would be refused. This store names such segments
 * {@code %E}, {@code %D1} and {@code %D2} (and a literal {@code %} {@code %25}) on the way in, and
 * turns them back on the way out: a bijection, so every key is kept byte for byte. A trailing empty
 * segment (a key ending in '/') is left as it is: back ends treat it as a folder.
 */
public final class KeyEscapingBlobStore extends ForwardingBlobStore {
    public KeyEscapingBlobStore(BlobStore delegate) {
        super(delegate);
    }

    static String escape(String key) {
        if (key == null) {
            return null;
        }
        String[] segments = key.replace("%", "%25").split("/", -1);
        StringBuilder b = new StringBuilder(key.length() + 8);
        for (int i = 0; i < segments.length; i++) {
            if (i > 0) {
                b.append('/');
            }
            boolean last = i == segments.length - 1;
            b.append(switch (segments[i]) {
                case "" -> last ? "" : "%E";
                case "." -> "%D1";
                case ".." -> "%D2";
                default -> segments[i];
            });
        }
        return b.toString();
    }

    static String unescape(String name) {
        if (name == null) {
            return null;
        }
        String[] segments = name.split("/", -1);
        StringBuilder b = new StringBuilder(name.length());
        for (int i = 0; i < segments.length; i++) {
            if (i > 0) {
                b.append('/');
            }
            b.append(switch (segments[i]) {
                case "%E" -> "";
                case "%D1" -> ".";
                case "%D2" -> "..";
                default -> segments[i].replace("%25", "%");
            });
        }
        return b.toString();
    }

    private static MultipartUpload escape(MultipartUpload u) {
        CreateMultipartUploadRequest r = u.request().toBuilder().key(escape(u.request().key())).build();
        return u.response() == null ? new MultipartUpload(u.id(), r) : new MultipartUpload(u.id(), r, u.response());
    }

    @Override
    public ListObjectsV2Response list(ListObjectsV2Request request) {
        ListObjectsV2Response r = delegate().list(request.toBuilder().prefix(escape(request.prefix()))
                .startAfter(escape(request.startAfter())).build());
        List<S3Object> contents = r.contents().stream().map(o -> o.toBuilder().key(unescape(o.key())).build()).toList();
        List<CommonPrefix> prefixes = r.commonPrefixes().stream()
                .map(p -> p.toBuilder().prefix(unescape(p.prefix())).build()).toList();
        return r.toBuilder().contents(contents).commonPrefixes(prefixes).prefix(request.prefix())
                .startAfter(request.startAfter()).build();
    }

    @Override
    public void clearContainer(ListObjectsV2Request request) {
        delegate().clearContainer(request.toBuilder().prefix(escape(request.prefix())).build());
    }

    @Override
    public boolean blobExists(String container, String name) {
        return delegate().blobExists(container, escape(name));
    }

    @Override
    public PutObjectResponse putBlob(PutObjectRequest request, InputStream content) {
        return delegate().putBlob(request.toBuilder().key(escape(request.key())).build(), content);
    }

    @Override
    public CopyObjectResponse copyBlob(CopyObjectRequest request) {
        return delegate().copyBlob(request.toBuilder().sourceKey(escape(request.sourceKey()))
                .destinationKey(escape(request.destinationKey())).build());
    }

    @Override
    public HeadObjectResponse blobMetadata(HeadObjectRequest request) {
        return delegate().blobMetadata(request.toBuilder().key(escape(request.key())).build());
    }

    @Override
    public HeadObjectResponse blobMetadata(String container, String name) {
        return delegate().blobMetadata(container, escape(name));
    }

    @Override
    public HeadObjectResponse blobMetadataIfPresent(HeadObjectRequest request) {
        return delegate().blobMetadataIfPresent(request.toBuilder().key(escape(request.key())).build());
    }

    @Override
    public HeadObjectResponse blobMetadataIfPresent(String container, String name) {
        return delegate().blobMetadataIfPresent(container, escape(name));
    }

    @Override
    public ResponseInputStream<GetObjectResponse> getBlob(GetObjectRequest request) {
        return delegate().getBlob(request.toBuilder().key(escape(request.key())).build());
    }

    @Override
    public ResponseInputStream<GetObjectResponse> getBlob(String container, String name) {
        return delegate().getBlob(container, escape(name));
    }

    @Override
    public DeleteObjectResponse removeBlob(DeleteObjectRequest request) {
        return delegate().removeBlob(request.toBuilder().key(escape(request.key())).build());
    }

    @Override
    public void removeBlob(String container, String name) {
        delegate().removeBlob(container, escape(name));
    }

    @Override
    public DeleteObjectResponse removeBlob(String container, String name, String versionId) {
        return delegate().removeBlob(container, escape(name), versionId);
    }

    @Override
    public DeleteObjectsResponse removeBlobs(DeleteObjectsRequest request) {
        List<ObjectIdentifier> ids = request.delete().objects().stream()
                .map(o -> o.toBuilder().key(escape(o.key())).build()).toList();
        DeleteObjectsResponse r = delegate().removeBlobs(request.toBuilder()
                .delete(request.delete().toBuilder().objects(ids).build()).build());
        List<DeletedObject> deleted = r.deleted().stream().map(d -> d.toBuilder().key(unescape(d.key())).build()).toList();
        return r.toBuilder().deleted(deleted)
                .errors(r.errors().stream().map(e -> e.toBuilder().key(unescape(e.key())).build()).toList()).build();
    }

    @Override
    public ObjectCannedACL getBlobAccess(String container, String name) {
        return delegate().getBlobAccess(container, escape(name));
    }

    @Override
    public ObjectCannedACL getBlobAccess(String container, String name, String versionId) {
        return delegate().getBlobAccess(container, escape(name), versionId);
    }

    @Override
    public GetObjectAclResponse getBlobAcl(GetObjectAclRequest request) {
        return delegate().getBlobAcl(request.toBuilder().key(escape(request.key())).build());
    }

    @Override
    public void setBlobAccess(String container, String name, ObjectCannedACL access) {
        delegate().setBlobAccess(container, escape(name), access);
    }

    @Override
    public void setBlobAccess(String container, String name, ObjectCannedACL access, String versionId) {
        delegate().setBlobAccess(container, escape(name), access, versionId);
    }

    @Override
    public MultipartUpload initiateMultipartUpload(CreateMultipartUploadRequest request) {
        MultipartUpload stored = delegate().initiateMultipartUpload(request.toBuilder().key(escape(request.key())).build());
        // Hand S3Proxy the upload under the client's key; it comes back here to be escaped again.
        return stored.response() == null ? new MultipartUpload(stored.id(), request)
                : new MultipartUpload(stored.id(), request, stored.response());
    }

    @Override
    public void abortMultipartUpload(MultipartUpload upload) {
        delegate().abortMultipartUpload(escape(upload));
    }

    @Override
    public CompleteMultipartUploadResponse completeMultipartUpload(MultipartUpload upload,
                                                                   CompleteMultipartUploadRequest request) {
        CompleteMultipartUploadResponse r = delegate().completeMultipartUpload(escape(upload),
                request.toBuilder().key(escape(request.key())).build());
        return r.toBuilder().key(unescape(r.key())).build();
    }

    @Override
    public UploadPartResponse uploadMultipartPart(MultipartUpload upload, UploadPartRequest request, InputStream content) {
        return delegate().uploadMultipartPart(escape(upload), request.toBuilder().key(escape(request.key())).build(), content);
    }

    @Override
    public UploadPartCopyResponse copyMultipartPart(MultipartUpload upload, UploadPartCopyRequest request) {
        return delegate().copyMultipartPart(escape(upload), request.toBuilder().sourceKey(escape(request.sourceKey()))
                .destinationKey(escape(request.destinationKey())).build());
    }

    @Override
    public List<Part> listMultipartUpload(MultipartUpload upload) {
        return delegate().listMultipartUpload(escape(upload));
    }

    @Override
    public List<software.amazon.awssdk.services.s3.model.MultipartUpload> listMultipartUploads(String container) {
        return delegate().listMultipartUploads(container).stream()
                .map(u -> u.toBuilder().key(unescape(u.key())).build()).toList();
    }
}
