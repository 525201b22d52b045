package dev.s3loader.clients;

import java.util.UUID;
import java.util.logging.Logger;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;

/**
 * Probes the conditions the loader's moves rest on, each with a wrong etag, under
 * {@code <internal prefix>probe/loader-<uuid>/}: If-Match on GetObject and HeadObject,
 * CopySourceIfMatch on CopyObject and UploadPartCopy, If-None-Match: * on CopyObject, If-Match on
 * DeleteObject and the per-key ETag of DeleteObjects. It also finds whether a copy keeps a
 * single-part object's etag (then a copy's etag proves which content it copied). Every object and
 * upload it makes is removed again.
 */
public final class MoveProbe {
    private static final Logger LOG = Logger.getLogger(MoveProbe.class.getName());
    private static final String CONTENT = "s3loader store probe";

    private MoveProbe() {
    }

    /** The conditions, probed once per store and JVM. */
    public static StoreConditions cached(S3Client s3, String bucket, String internalPrefix) {
        return ProbeSteps.cached("move", s3, bucket, internalPrefix, () -> run(s3, bucket, internalPrefix));
    }

    /** Probes now. */
    public static StoreConditions run(S3Client s3, String bucket, String internalPrefix) {
        String base = internalPrefix + "probe/loader-" + UUID.randomUUID() + "/";
        String a = base + "a";
        String b = base + "b";
        String c = base + "c";
        String d = base + "d";
        ProbeSteps steps = new ProbeSteps();
        String[] upload = {null};
        Boolean copyKeepsEtag;
        try {
            String etag = put(s3, bucket, a);
            steps.attempt(StoreCondition.GET_IF_MATCH, () -> {
                s3.getObjectAsBytes(r -> r.bucket(bucket).key(a).ifMatch(ProbeSteps.WRONG_ETAG));
                return true;
            });
            steps.attempt(StoreCondition.HEAD_IF_MATCH, () -> {
                s3.headObject(r -> r.bucket(bucket).key(a).ifMatch(ProbeSteps.WRONG_ETAG));
                return true;
            });
            steps.attempt(StoreCondition.COPY_SOURCE_IF_MATCH, () -> {
                s3.copyObject(r -> r.sourceBucket(bucket).sourceKey(a).copySourceIfMatch(ProbeSteps.WRONG_ETAG)
                        .destinationBucket(bucket).destinationKey(b));
                return true;
            });
            String copied = s3.copyObject(r -> r.sourceBucket(bucket).sourceKey(a).destinationBucket(bucket)
                    .destinationKey(c)).copyObjectResult().eTag();
            copyKeepsEtag = Etags.same(etag, copied);
            steps.attempt(StoreCondition.COPY_IF_NONE_MATCH, () -> {
                s3.copyObject(r -> r.sourceBucket(bucket).sourceKey(a).ifNoneMatch("*")
                        .destinationBucket(bucket).destinationKey(c));
                return true;
            });
            upload[0] = s3.createMultipartUpload(r -> r.bucket(bucket).key(d)).uploadId();
            steps.attempt(StoreCondition.UPLOAD_PART_COPY_SOURCE_IF_MATCH, () -> {
                s3.uploadPartCopy(r -> r.sourceBucket(bucket).sourceKey(a).copySourceIfMatch(ProbeSteps.WRONG_ETAG)
                        .destinationBucket(bucket).destinationKey(d).uploadId(upload[0]).partNumber(1));
                return true;
            });
            steps.attempt(StoreCondition.DELETE_IF_MATCH, () -> {
                s3.deleteObject(r -> r.bucket(bucket).key(a).ifMatch(ProbeSteps.WRONG_ETAG));
                return true;
            });
            if (!S3Objects.exists(s3, bucket, a)) {
                put(s3, bucket, a);
            }
            steps.attempt(StoreCondition.DELETE_OBJECTS_ETAG, () -> {
                var answer = s3.deleteObjects(r -> r.bucket(bucket).delete(x -> x.quiet(false).objects(
                        ObjectIdentifier.builder().key(a).eTag(ProbeSteps.WRONG_ETAG).build())));
                // Honoured only if the key was reported as not deleted and is still there.
                return answer.deleted().stream().anyMatch(x -> a.equals(x.key())) || !S3Objects.exists(s3, bucket, a);
            });
        } finally {
            if (upload[0] != null) {
                ProbeSteps.quietly(() -> s3.abortMultipartUpload(r -> r.bucket(bucket).key(d).uploadId(upload[0])));
            }
            for (String k : new String[] {a, b, c}) {
                ProbeSteps.quietly(() -> s3.deleteObject(r -> r.bucket(bucket).key(k)));
            }
        }
        StoreConditions found = steps.result(ProbeSteps.store(s3, bucket), copyKeepsEtag);
        LOG.info("store probe of " + found.store() + " (loader): " + String.join("; ", found.lines())
                + "; a copy keeps a single-part object's etag: " + copyKeepsEtag);
        return found;
    }

    private static String put(S3Client s3, String bucket, String key) {
        return s3.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromString(CONTENT)).eTag();
    }
}
