package dev.s3loader.loader;

import dev.s3loader.clients.Etags;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.logging.Level;
import java.util.function.Supplier;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
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
    /** An etag that is the MD5 of the content: a single-part upload's (a multipart one ends in -N). */
    private static final Pattern SINGLE_PART_ETAG = Pattern.compile("\"?[0-9a-fA-F]{32}\"?");
    private final S3Client s3;
    private final long threshold;
    private final long partSize;
    private final ExecutorService parts;
    private final Supplier<MovePaths> paths;
    private final String scratchPrefix;

    /** A copier for a store known to honour every copy condition (AWS S3). */
    public ObjectCopier(S3Client s3, long threshold, long partSize, ExecutorService parts) {
        this(s3, threshold, partSize, parts, () -> MovePaths.CONDITIONAL, "_s3loader/staging/checked/");
    }

    /**
     * @param paths         how to copy on the store in use (probed on first use; see {@link MovePaths})
     * @param scratchPrefix where, in the source's bucket, a checked copy is made and proven before it
     *                      reaches its target (only on a store that ignores CopySourceIfMatch; the
     *                      bucket's expire-staging rule removes what a crash leaves there)
     */
    public ObjectCopier(S3Client s3, long threshold, long partSize, ExecutorService parts, Supplier<MovePaths> paths,
                        String scratchPrefix) {
        this.s3 = s3;
        this.threshold = threshold;
        this.partSize = partSize;
        this.parts = parts;
        this.paths = paths;
        this.scratchPrefix = scratchPrefix;
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
        if (size > threshold) {
            copyInParts(sourceBucket, sourceKey, etag, size, targetBucket, targetKey, ifNoneMatch);
            return;
        }
        MovePaths p = paths.get();
        if (!p.checkCopies()) {
            s3.copyObject(b -> b.sourceBucket(sourceBucket).sourceKey(sourceKey).copySourceIfMatch(etag)
                    .destinationBucket(targetBucket).destinationKey(targetKey).ifNoneMatch(ifNoneMatch));
            return;
        }
        // The store ignores (or refuses) CopySourceIfMatch, so the condition is not sent. The copy goes
        // to a scratch key of this call's own first and reaches the target only once proven to be the
        // named version: a target that already holds it (from an earlier delivery) is never replaced
        // by a newer version's bytes. The HEAD before finds a version replaced before the copy; the
        // check after proves the copy took the named version in the window between the two.
        boolean byEtag = p.copyKeepsEtag() && SINGLE_PART_ETAG.matcher(etag).matches();
        Instant before = versionInPlace(sourceBucket, sourceKey, etag);
        String scratch = scratchPrefix + UUID.randomUUID();
        try {
            String copied = s3.copyObject(b -> b.sourceBucket(sourceBucket).sourceKey(sourceKey)
                    .destinationBucket(sourceBucket).destinationKey(scratch)).copyObjectResult().eTag();
            if (byEtag ? !Etags.same(etag, copied) : !before.equals(versionInPlace(sourceBucket, sourceKey, etag))) {
                throw replaced(sourceKey, etag);
            }
            // The scratch key is this call's alone: nothing can replace it between the check and this copy.
            s3.copyObject(b -> b.sourceBucket(sourceBucket).sourceKey(scratch)
                    .destinationBucket(targetBucket).destinationKey(targetKey).ifNoneMatch(ifNoneMatch));
        } finally {
            try {
                s3.deleteObject(b -> b.bucket(sourceBucket).key(scratch));
            } catch (S3Exception e) {
                LOG.log(Level.WARNING, "could not delete the scratch copy " + scratch + " (the expire-staging rule will)", e);
            }
        }
    }

    /** The version's LastModified; 412 when the key holds another version now, 404 when it is gone. */
    private Instant versionInPlace(String bucket, String key, String etag) {
        return s3.headObject(b -> b.bucket(bucket).key(key).ifMatch(etag)).lastModified();
    }

    /** What S3 would have answered had it honoured the condition: the lifecycle reads it as a replaced version. */
    private static S3Exception replaced(String key, String etag) {
        String message = "the copy of " + key + " is not version " + etag + ": the file was replaced during the copy"
                + " (checked after the copy: the store ignores CopySourceIfMatch)";
        return (S3Exception) S3Exception.builder().statusCode(412).message(message)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode("PreconditionFailed").errorMessage(message).build())
                .build();
    }

    private void copyInParts(String sourceBucket, String sourceKey, String etag, long size, String targetBucket,
                             String targetKey, String ifNoneMatch) {
        HeadObjectResponse head = s3.headObject(b -> b.bucket(sourceBucket).key(sourceKey).ifMatch(etag));
        boolean checkParts = paths.get().checkPartCopies();
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
                                .copySourceIfMatch(checkParts ? null : etag).copySourceRange(range).destinationBucket(targetBucket)
                                .destinationKey(targetKey).uploadId(uploadId).partNumber(partNumber))
                                .copyPartResult().eTag())
                        .build()));
            }
            List<CompletedPart> done = new ArrayList<>();
            for (Future<CompletedPart> f : futures) {
                done.add(await(f, futures));
            }
            if (checkParts && !head.lastModified().equals(versionInPlace(sourceBucket, sourceKey, etag))) {
                // The store ignores CopySourceIfMatch on parts: the version must have stayed in place
                // across every part, checked before the upload completes so nothing mixed is written.
                throw replaced(sourceKey, etag);
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
