package dev.s3loader.embedded.internal;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.InputStream;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
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
 * Lets S3Proxy's file-system back ends hold every key S3 allows, and only those. Those back ends
 * store a key as a path, and a path has no empty, {@code .} or {@code ..} segment: {@code a//b}
 * would become {@code a/b} (another key) and {@code a/../b} would be refused. They also keep names
 * of their own beside the objects: a segment starting {@code .mpus-} (multipart parts) or
 * {@code .s3proxy-} is hidden or refused, and {@code <name>-<UUID>} is a write in progress (see
 * {@link UnfinishedWrites}). This store renames, on the way in:
 * <ul>
 *   <li>a literal {@code %} to {@code %25} (so every other escape below is unambiguous);</li>
 *   <li>an empty segment to {@code %E}, {@code .} to {@code %D1}, {@code ..} to {@code %D2};</li>
 *   <li>the leading dot of a segment starting {@code .mpus-} or {@code .s3proxy-} to {@code %2E};</li>
 *   <li>in the last segment, the '-' before a UUID-shaped end to {@code %2D}, so that no stored key
 *       ever looks like a temporary file and those can be hidden and deleted safely;</li>
 * </ul>
 * and turns them back on the way out: a bijection, so every key is kept byte for byte. A trailing
 * empty segment (a key ending in '/') is left as it is: back ends treat it as a folder. The stored
 * order differs from S3's UTF-8 order only for keys that differ at an escaped character.
 *
 * <p>Listing continuation tokens would be S3Proxy's last stored name, which it writes into the XML
 * response as is (it does not URL-encode tokens): a key holding U+0001 or a CR would break or
 * alter the response. Tokens leave this store base64url-encoded, so they are opaque and XML-safe.
 * Pages after the first are cut from one scan of the back end ({@link ListingSnapshots}): S3Proxy
 * walks the whole prefix for every page, which made a listing cost grow with the square of its keys.
 */
public final class KeyEscapingBlobStore extends ForwardingBlobStore {
    private static final String TOKEN_PREFIX = "k";

    private final ListingSnapshots snapshots;

    public KeyEscapingBlobStore(BlobStore delegate) {
        this(delegate, listingFor(delegate));
    }

    /** The cheapest way to list {@code backEnd} this store knows. */
    static ListingSource listingFor(BlobStore backEnd) {
        Nio2Listing walk = Nio2Listing.of(backEnd);
        return walk != null ? walk : new BackEndListing(backEnd);
    }

    /** With the listing's names and page metadata taken from {@code listing} (tests count reads through it). */
    KeyEscapingBlobStore(BlobStore delegate, ListingSource listing) {
        super(delegate);
        this.snapshots = new ListingSnapshots(listing);
    }

    static String escape(String key) {
        if (key == null) {
            return null;
        }
        String[] segments = key.split("/", -1);
        StringBuilder b = new StringBuilder(key.length() + 8);
        for (int i = 0; i < segments.length; i++) {
            if (i > 0) {
                b.append('/');
            }
            b.append(escapeSegment(segments[i], i == segments.length - 1));
        }
        return b.toString();
    }

    private static String escapeSegment(String segment, boolean last) {
        String e = switch (segment) {
            case "" -> last ? "" : "%E";
            case "." -> "%D1";
            case ".." -> "%D2";
            default -> segment.replace("%", "%25");
        };
        if (segment.startsWith(".mpus-") || segment.startsWith(".s3proxy-")) {
            e = "%2E" + e.substring(1);
        }
        if (last) {
            Matcher m = UnfinishedWrites.SUFFIX.matcher(e);
            if (m.find()) {
                e = e.substring(0, m.start()) + "%2D" + e.substring(m.start() + 1);
            }
        }
        return e;
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
            switch (segments[i]) {
                case "%E" -> { }
                case "%D1" -> b.append('.');
                case "%D2" -> b.append("..");
                default -> unescapeSegment(segments[i], b);
            }
        }
        return b.toString();
    }

    /** One pass left to right, so that {@code %252D} (a key's literal "%2D") stays "%2D". */
    private static void unescapeSegment(String s, StringBuilder b) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length()) {
                String code = s.substring(i + 1, i + 3);
                char decoded = switch (code) {
                    case "25" -> '%';
                    case "2D" -> '-';
                    case "2E" -> '.';
                    default -> 0;
                };
                if (decoded != 0) {
                    b.append(decoded);
                    i += 2;
                    continue;
                }
            }
            b.append(c);
        }
    }

    static String toToken(String storedName) {
        return storedName == null ? null
                : TOKEN_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(storedName.getBytes(UTF_8));
    }

    static String fromToken(String token) {
        if (token == null || !token.startsWith(TOKEN_PREFIX)) {
            return token;
        }
        try {
            return new String(Base64.getUrlDecoder().decode(token.substring(TOKEN_PREFIX.length())), UTF_8);
        } catch (IllegalArgumentException e) {
            return token;
        }
    }

    private static MultipartUpload escape(MultipartUpload u) {
        CreateMultipartUploadRequest r = u.request().toBuilder().key(escape(u.request().key())).build();
        return u.response() == null ? new MultipartUpload(u.id(), r) : new MultipartUpload(u.id(), r, u.response());
    }

    @Override
    public ListObjectsV2Response list(ListObjectsV2Request request) {
        // A prefix may end inside a segment whose stored form differs (".mp" of ".mpus-x"): list
        // from the last complete segment and keep what matches the client's prefix.
        String prefix = request.prefix();
        String folder = prefix == null ? null : prefix.substring(0, prefix.lastIndexOf('/') + 1);
        String token = request.continuationToken();
        // A token of ListingSnapshots goes on from its snapshot; an older token ("k…") names the last stored name.
        String after = token != null ? fromToken(token) : escape(request.startAfter());
        ListObjectsV2Response r = snapshots.page(request.toBuilder().prefix(escape(folder))
                .startAfter(null).continuationToken(null).build(), prefix, token, after);
        return r.toBuilder().prefix(prefix).keyCount(r.contents().size() + r.commonPrefixes().size())
                .startAfter(request.startAfter()).continuationToken(request.continuationToken()).build();
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
