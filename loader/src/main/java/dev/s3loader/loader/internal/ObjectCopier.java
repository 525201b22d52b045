package dev.s3loader.loader.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.logging.Level;
import java.util.logging.Logger;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.Tag;
import software.amazon.awssdk.utils.http.SdkHttpUtils;

/**
 * Server-side copy of one object version: a single CopyObject up to the threshold, UploadPartCopy
 * in parallel parts above it. Every request is conditional on the source etag, so a file
 * overwritten mid-copy fails with 412 instead of mixing two versions. Source and target are always
 * given as bucket and key, never as a hand-encoded copy source, so no key needs escaping.
 *
 * <p>CopyObject carries the content headers, user metadata and tags over by itself; a multipart
 * upload starts bare, so the copier reads them from the source (HeadObject, GetObjectTagging) and
 * starts the upload with them: both paths give the same object.
 */
public final class ObjectCopier {
    private static final Logger LOG = Logger.getLogger(ObjectCopier.class.getName());
    private final S3Client s3;
    private final long threshold;
    private final long partSize;
    private final ExecutorService parts;

    public ObjectCopier(S3Client s3, long threshold, long partSize, ExecutorService parts) {
        this.s3 = s3;
        this.threshold = threshold;
        this.partSize = partSize;
        this.parts = parts;
    }

    public void copy(String sourceBucket, String sourceKey, String etag, long size, String targetBucket, String targetKey) {
        copy(sourceBucket, sourceKey, etag, size, targetBucket, targetKey, false);
    }

    /**
     * As {@link #copy}, but the write is conditional on no object being at the target
     * (If-None-Match: *, on CopyObject or on CompleteMultipartUpload): an object written there
     * meanwhile is never replaced, the copy fails with 412 instead. For the operator's requeue,
     * which must not overwrite a file a producer dropped into incoming/.
     */
    public void copyIfAbsent(String sourceBucket, String sourceKey, String etag, long size, String targetBucket,
                             String targetKey) {
        copy(sourceBucket, sourceKey, etag, size, targetBucket, targetKey, true);
    }

    private void copy(String sourceBucket, String sourceKey, String etag, long size, String targetBucket, String targetKey,
                      boolean ifAbsent) {
        String ifNoneMatch = ifAbsent ? "*" : null;
        if (size <= threshold) {
            s3.copyObject(b -> b.sourceBucket(sourceBucket).sourceKey(sourceKey).copySourceIfMatch(etag)
                    .destinationBucket(targetBucket).destinationKey(targetKey).ifNoneMatch(ifNoneMatch));
        } else {
            copyInParts(sourceBucket, sourceKey, etag, size, targetBucket, targetKey, ifNoneMatch);
        }
    }

    private void copyInParts(String sourceBucket, String sourceKey, String etag, long size, String targetBucket,
                             String targetKey, String ifNoneMatch) {
        HeadObjectResponse head = s3.headObject(b -> b.bucket(sourceBucket).key(sourceKey).ifMatch(etag));
        String tagging = tagging(sourceBucket, sourceKey);
        String uploadId = s3.createMultipartUpload(b -> b.bucket(targetBucket).key(targetKey)
                .contentType(head.contentType()).metadata(head.metadata()).cacheControl(head.cacheControl())
                .contentDisposition(head.contentDisposition()).contentEncoding(head.contentEncoding())
                .contentLanguage(head.contentLanguage()).tagging(tagging)).uploadId();
        try {
            List<Future<CompletedPart>> futures = new ArrayList<>();
            int number = 1;
            for (long from = 0; from < size; from += partSize, number++) {
                long to = Math.min(size, from + partSize) - 1;
                int partNumber = number;
                String range = "bytes=" + from + "-" + to;
                futures.add(parts.submit(() -> CompletedPart.builder().partNumber(partNumber)
                        .eTag(s3.uploadPartCopy(b -> b.sourceBucket(sourceBucket).sourceKey(sourceKey)
                                .copySourceIfMatch(etag).copySourceRange(range).destinationBucket(targetBucket)
                                .destinationKey(targetKey).uploadId(uploadId).partNumber(partNumber))
                                .copyPartResult().eTag())
                        .build()));
            }
            List<CompletedPart> done = new ArrayList<>();
            for (Future<CompletedPart> f : futures) {
                done.add(await(f, futures));
            }
            s3.completeMultipartUpload(b -> b.bucket(targetBucket).key(targetKey).uploadId(uploadId)
                    .ifNoneMatch(ifNoneMatch).multipartUpload(m -> m.parts(done)));
        } catch (RuntimeException e) {
            abort(targetBucket, targetKey, uploadId);
            throw e;
        }
    }

    /** The source's tags as CreateMultipartUpload takes them (URL query form), or null when it has none. */
    private String tagging(String bucket, String key) {
        List<Tag> tags;
        try {
            tags = s3.getObjectTagging(b -> b.bucket(bucket).key(key)).tagSet();
        } catch (S3Exception e) {
            if (e.statusCode() == 501) {
                // A store without tagging (S3Proxy) holds no tags to carry over; AWS always answers.
                return null;
            }
            throw e;
        }
        if (tags.isEmpty()) {
            return null;
        }
        StringBuilder b = new StringBuilder();
        for (Tag t : tags) {
            b.append(b.isEmpty() ? "" : "&").append(SdkHttpUtils.urlEncode(t.key())).append('=')
                    .append(SdkHttpUtils.urlEncode(t.value()));
        }
        return b.toString();
    }

    private static CompletedPart await(Future<CompletedPart> f, List<Future<CompletedPart>> all) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            all.forEach(x -> x.cancel(true));
            throw new IllegalStateException("interrupted while copying parts", e);
        } catch (ExecutionException e) {
            all.forEach(x -> x.cancel(true));
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    private void abort(String bucket, String key, String uploadId) {
        try {
            s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId));
        } catch (S3Exception e) {
            // The bucket's lifecycle rule for incomplete uploads cleans up what this leaves.
            LOG.log(Level.WARNING, "could not abort multipart upload " + uploadId, e);
        }
    }
}
