package dev.s3loader.loader.internal;

import dev.s3loader.loader.MovePaths;

import dev.s3loader.loader.ObjectCopier;
import dev.s3loader.model.ErrorReport;
import dev.s3loader.model.FileMessage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The S3 steps of a file's life, each conditional on the version a message names and each safe to
 * repeat. It decides nothing: the order and the meaning of each outcome are the lifecycle's
 * ({@link dev.s3loader.loader.BatchProcessor}).
 */
public final class FileMover {
    private static final Logger LOG = Logger.getLogger(FileMover.class.getName());
    /** S3's limit on the keys of one DeleteObjects. */
    static final int MAX_KEYS_PER_DELETE = 1000;
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

    /** One file's part of {@link #deleteSources}: its outcome, or why it could not be deleted (then outcome is null). */
    public record Deletion(Outcome outcome, RuntimeException failure) {
    }

    private final S3Client s3;
    private final ObjectCopier copier;
    private final Supplier<MovePaths> paths;

    /** A mover for a store known to honour every condition (AWS S3). */
    public FileMover(S3Client s3, ObjectCopier copier) {
        this(s3, copier, () -> MovePaths.CONDITIONAL);
    }

    /** @param paths how to move on the store in use (probed on first use; see {@link MovePaths}) */
    public FileMover(S3Client s3, ObjectCopier copier, Supplier<MovePaths> paths) {
        this.s3 = s3;
        this.copier = copier;
        this.paths = paths;
    }

    /**
     * The paths on this store, probing it on first use: the lifecycle asks before it touches a
     * file. Throws {@link dev.s3loader.loader.StoreRefusedException} where no path is safe.
     */
    public MovePaths paths() {
        return paths.get();
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

    /**
     * Deletes the sources of several copied files, each if it is still the named version: one
     * DeleteObjects per bucket and {@value #MAX_KEYS_PER_DELETE} keys, each key with its ETag as the
     * condition, so a batch of small files spends one request on its deletes instead of one per file.
     * Only a key the answer lists as deleted counts as done here. Any other answer for a key (a
     * precondition failed, a key already gone, a throttled or refused key), and a request that fails
     * as a whole, is settled by that key's own conditional {@link #deleteSource}, whose outcomes are
     * the lifecycle's: the batch request can only save requests, never decide differently. A key an
     * XML body cannot carry as it is (a control character; a CR, which XML parsers read as a LF) is
     * deleted on its own from the start.
     *
     * @return each file's deletion, in the order given
     */
    public Map<FileMessage, Deletion> deleteSources(List<FileMessage> files) {
        Map<FileMessage, Deletion> outcomes = new HashMap<>();
        Map<String, List<FileMessage>> batchable = new LinkedHashMap<>();
        List<FileMessage> oneByOne = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        // A store that ignores the per-key ETag of DeleteObjects would delete a new version unseen.
        boolean together = paths.get().deleteTogether();
        for (FileMessage m : files) {
            // The answer names keys, not versions: a key named again (another version) goes on its own.
            if (together && files.size() > 1 && xmlSafe(m.key()) && seen.add(m.bucket() + '\0' + m.key())) {
                batchable.computeIfAbsent(m.bucket(), b -> new ArrayList<>()).add(m);
            } else {
                oneByOne.add(m);
            }
        }
        for (List<FileMessage> inBucket : batchable.values()) {
            for (int from = 0; from < inBucket.size(); from += MAX_KEYS_PER_DELETE) {
                List<FileMessage> chunk = inBucket.subList(from, Math.min(inBucket.size(), from + MAX_KEYS_PER_DELETE));
                Set<String> deleted = deleteTogether(chunk);
                for (FileMessage m : chunk) {
                    if (deleted.contains(m.key())) {
                        outcomes.put(m, new Deletion(Outcome.DONE, null));
                    } else {
                        oneByOne.add(m);
                    }
                }
            }
        }
        for (FileMessage m : oneByOne) {
            try {
                outcomes.put(m, new Deletion(deleteSource(m), null));
            } catch (RuntimeException e) {
                outcomes.put(m, new Deletion(null, e));
            }
        }
        Map<FileMessage, Deletion> ordered = new LinkedHashMap<>();
        files.forEach(m -> ordered.put(m, outcomes.get(m)));
        return ordered;
    }

    /** The keys of one bucket's chunk that S3 deleted; none when the request as a whole failed. */
    private Set<String> deleteTogether(List<FileMessage> chunk) {
        List<ObjectIdentifier> ids = chunk.stream()
                .map(m -> ObjectIdentifier.builder().key(m.key()).eTag(m.etag()).build()).toList();
        String bucket = chunk.getFirst().bucket();
        try {
            var response = s3.deleteObjects(b -> b.bucket(bucket).delete(d -> d.objects(ids).quiet(false)));
            if (!response.errors().isEmpty()) {
                LOG.info(response.errors().size() + " of " + chunk.size() + " keys not deleted together (first: "
                        + response.errors().getFirst().code() + "); each is settled by its own conditional delete");
            }
            Set<String> deleted = new HashSet<>();
            response.deleted().forEach(d -> deleted.add(d.key()));
            return deleted;
        } catch (SdkException e) {
            LOG.log(Level.WARNING, "DeleteObjects of " + chunk.size() + " keys failed; each key is deleted on its own", e);
            return Set.of();
        }
    }

    /** Whether XML 1.0 carries every character of the key unchanged (no control character, no CR). */
    static boolean xmlSafe(String key) {
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x20 || c == 0xFFFE || c == 0xFFFF) {
                return false;
            }
        }
        return true;
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
