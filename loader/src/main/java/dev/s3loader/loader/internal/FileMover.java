package dev.s3loader.loader.internal;

import dev.s3loader.model.ErrorReport;
import dev.s3loader.model.FileMessage;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The S3 steps of a file's life, each conditional on the version a message names and each safe to
 * repeat. It decides nothing: the order and the meaning of each outcome are the lifecycle's
 * ({@link dev.s3loader.loader.BatchProcessor}).
 */
public final class FileMover {
    /** How a source object compares with the version a message names. */
    public enum Source { PRESENT, CHANGED, GONE }

    /**
     * What HeadObject said: the source compared with the named version, and its LastModified
     * (null unless present), which is the same on every retry of a version whatever message named it.
     */
    public record Inspection(Source source, java.time.Instant lastModified) {
    }

    /** What a conditional step found: done, or the named version was replaced or removed. */
    public enum Outcome { DONE, CHANGED, GONE }

    private final S3Client s3;
    private final ObjectCopier copier;

    public FileMover(S3Client s3, ObjectCopier copier) {
        this.s3 = s3;
        this.copier = copier;
    }

    public Inspection inspect(FileMessage m) {
        try {
            var head = s3.headObject(b -> b.bucket(m.bucket()).key(m.key()));
            return head.eTag().equals(m.etag()) ? new Inspection(Source.PRESENT, head.lastModified())
                    : new Inspection(Source.CHANGED, null);
        } catch (NoSuchKeyException e) {
            return new Inspection(Source.GONE, null);
        } catch (S3Exception e) {
            if (e.statusCode() == 404 && !"NoSuchBucket".equals(errorCode(e))) {
                return new Inspection(Source.GONE, null);
            }
            throw e;
        }
    }

    /** Copies exactly the named version to {@code bucket/key} (CopySourceIfMatch); the source stays. */
    public Outcome copy(FileMessage m, String bucket, String key) {
        try {
            copier.copy(m.bucket(), m.key(), m.etag(), m.size(), bucket, key);
            return Outcome.DONE;
        } catch (S3Exception e) {
            return outcome(e);
        }
    }

    /**
     * Deletes the source if it is still the named version (If-Match): a producer's new version
     * written since the copy is never deleted unseen. Already gone counts as done: an earlier
     * attempt deleted it after the same copy.
     */
    public Outcome deleteSource(FileMessage m) {
        try {
            s3.deleteObject(b -> b.bucket(m.bucket()).key(m.key()).ifMatch(m.etag()));
            return Outcome.DONE;
        } catch (S3Exception e) {
            Outcome o = outcome(e);
            return o == Outcome.GONE ? Outcome.DONE : o;
        }
    }

    /** Writes an error report; reports live under a prefix no file can reach, so this never overwrites a file. */
    public void writeReport(FileMessage m, String reportKey, ErrorReport report) {
        s3.putObject(b -> b.bucket(m.bucket()).key(reportKey).contentType("application/json"),
                RequestBody.fromString(report.toJson()));
    }

    private static Outcome outcome(S3Exception e) {
        if (e.statusCode() == 412) {
            return Outcome.CHANGED;
        }
        // Only a missing source key means the file is gone; a missing bucket is a deployment error to retry and report.
        if (e.statusCode() == 404 && !"NoSuchBucket".equals(errorCode(e))) {
            return Outcome.GONE;
        }
        throw e;
    }

    private static String errorCode(S3Exception e) {
        return e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
    }
}
