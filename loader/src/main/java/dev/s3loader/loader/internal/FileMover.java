package dev.s3loader.loader.internal;

import dev.s3loader.model.ErrorReport;
import dev.s3loader.model.FileMessage;
import dev.s3loader.model.Layout;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Moves one file version out of {@code incoming/}: copy first, delete the source last and only
 * if it is still the same version. A worker that dies between the two leaves the file in
 * incoming/, and the next delivery repeats the move: every step is safe to repeat.
 */
public final class FileMover {
    /** How a source object compares with the version a message names. */
    public enum Source { PRESENT, CHANGED, GONE }

    /** What a move achieved. */
    public enum Moved { MOVED, CHANGED, GONE }

    private final S3Client s3;
    private final Layout layout;
    private final ObjectCopier copier;
    private final Clock clock;

    public FileMover(S3Client s3, Layout layout, ObjectCopier copier, Clock clock) {
        this.s3 = s3;
        this.layout = layout;
        this.copier = copier;
        this.clock = clock;
    }

    public Source inspect(FileMessage m) {
        try {
            String etag = s3.headObject(b -> b.bucket(m.bucket()).key(m.key())).eTag();
            return etag.equals(m.etag()) ? Source.PRESENT : Source.CHANGED;
        } catch (NoSuchKeyException e) {
            return Source.GONE;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Source.GONE;
            }
            throw e;
        }
    }

    /** True when a file's processed/ key fits in S3's key limit. */
    public boolean canProcess(FileMessage m) {
        return layout.processedKey(m.key()).isPresent();
    }

    public Moved toProcessed(FileMessage m) {
        String target = layout.processedKey(m.key())
                .orElseThrow(() -> new IllegalArgumentException("no processed/ key fits for " + m.key()));
        return move(m, m.bucket(), target);
    }

    /** Copies the file to its destination key (for the archive copy); same outcomes as a move, source kept. */
    public Moved copyTo(FileMessage m, String bucket, String key) {
        try {
            copier.copy(m.bucket(), m.key(), m.etag(), m.size(), bucket, key);
            return Moved.MOVED;
        } catch (S3Exception e) {
            return outcome(e);
        }
    }

    /**
     * Moves the file to failed/ with an error report. The report is written after the copy, so
     * a report always describes a version that reached failed/.
     */
    public Moved toFailed(FileMessage m, String reason, Map<String, String> detail, int attempts) {
        Optional<String> target = layout.failedKey(m.key());
        if (target.isPresent()) {
            Moved copied = copyTo(m, m.bucket(), target.get());
            if (copied != Moved.MOVED) {
                return copied;
            }
        }
        ErrorReport report = new ErrorReport(m.key(), m.etag(), target.orElse(null),
                target.isPresent() ? reason : reason + " (the key is too long for failed/ too; the file stays in incoming/)",
                attempts, clock.instant(), detail);
        s3.putObject(b -> b.bucket(m.bucket()).key(layout.errorReportKey(m.key())).contentType("application/json"),
                RequestBody.fromString(report.toJson()));
        if (target.isEmpty()) {
            return Moved.MOVED;
        }
        return deleteSource(m);
    }

    private Moved move(FileMessage m, String bucket, String target) {
        Moved copied = copyTo(m, bucket, target);
        return copied == Moved.MOVED ? deleteSource(m) : copied;
    }

    private Moved deleteSource(FileMessage m) {
        try {
            // If-Match: a producer's new version written since the copy must not be deleted unseen.
            s3.deleteObject(b -> b.bucket(m.bucket()).key(m.key()).ifMatch(m.etag()));
            return Moved.MOVED;
        } catch (S3Exception e) {
            Moved o = outcome(e);
            // Gone already means an earlier attempt deleted it after the same copy: the move is complete.
            return o == Moved.GONE ? Moved.MOVED : o;
        }
    }

    private static Moved outcome(S3Exception e) {
        if (e.statusCode() == 412) {
            return Moved.CHANGED;
        }
        // Only a missing source key means the file is gone; a missing bucket is a deployment error to retry and report.
        if (e.statusCode() == 404 && !"NoSuchBucket".equals(errorCode(e))) {
            return Moved.GONE;
        }
        throw e;
    }

    private static String errorCode(S3Exception e) {
        return e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
    }
}
