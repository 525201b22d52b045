package dev.s3loader.loader.destination.redshift;

import dev.s3loader.loader.destination.LoadResult;
import dev.s3loader.loader.destination.Parallel;
import dev.s3loader.loader.ObjectCopier;
import dev.s3loader.model.FileMessage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.logging.Logger;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Immutable copies of the exact versions a batch loads. COPY reads a key, not a version: a
 * producer overwriting a file during the load would have its new bytes loaded under the old
 * etag. So each file is first copied, on the condition that its etag is still the one the message
 * names (CopySourceIfMatch), to {@code <internal>staging/<batch>-<uuid>/<n>}, and COPY reads
 * those. The staging key depends on nothing in the file's key, so no key (quotes, spaces, control
 * characters, two versions of one key) can break or repeat a manifest entry.
 */
final class Staging {
    private static final Logger LOG = Logger.getLogger(Staging.class.getName());

    private final S3Client s3;
    private final ObjectCopier copier;
    private final ExecutorService workers;
    private final String bucket;
    private final String prefix;

    /** @param prefix where staging copies go, e.g. {@code _s3loader/staging/} */
    Staging(S3Client s3, ObjectCopier copier, ExecutorService workers, String bucket, String prefix) {
        this.s3 = s3;
        this.copier = copier;
        this.workers = workers;
        this.bucket = bucket;
        this.prefix = prefix;
    }

    /** The bucket staging copies live in. */
    String bucket() {
        return bucket;
    }

    Result stage(List<FileMessage> files, String batchId) {
        String base = prefix + batchId.replaceAll("[^A-Za-z0-9_-]", "_") + "-" + UUID.randomUUID() + "/";
        List<Future<LoadResult>> futures = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            FileMessage f = files.get(i);
            String key = base + i;
            keys.add(key);
            futures.add(workers.submit(() -> copy(f, key)));
        }
        Map<FileMessage, String> staged = new LinkedHashMap<>();
        Map<FileMessage, LoadResult> notStaged = new LinkedHashMap<>();
        for (int i = 0; i < files.size(); i++) {
            LoadResult r = Parallel.join(futures.get(i));
            if (r == null) {
                staged.put(files.get(i), keys.get(i));
            } else {
                notStaged.put(files.get(i), r);
            }
        }
        return new Result(staged, notStaged, keys);
    }

    /**
     * The staged files with their staging keys, a result for each file that could not be staged
     * (changed or gone: SourceChanged; any other failure: Retry), and every key tried, for {@link #delete}.
     */
    record Result(Map<FileMessage, String> keys, Map<FileMessage, LoadResult> notStaged, List<String> allKeys) {
    }

    /** Null when the version was copied; otherwise the file's result. */
    private LoadResult copy(FileMessage f, String key) {
        try {
            copier.copy(f.bucket(), f.key(), f.etag(), f.size(), bucket, key);
            return null;
        } catch (S3Exception e) {
            if (e.statusCode() == 412 || (e.statusCode() == 404 && !"NoSuchBucket".equals(code(e)))) {
                // Overwritten or deleted since the message: this version is not there to load.
                return new LoadResult.SourceChanged(f);
            }
            return new LoadResult.Retry(f, "cannot stage the file for COPY: " + e.getMessage());
        } catch (SdkException | IllegalStateException e) {
            return new LoadResult.Retry(f, "cannot stage the file for COPY: " + e.getMessage());
        }
    }

    /** Best effort, in parallel, after the commit or the failure: a leftover copy is ours and harms nothing. */
    void delete(List<String> keys) {
        List<Future<?>> deletes = new ArrayList<>();
        for (String k : keys) {
            deletes.add(workers.submit(() -> {
                try {
                    s3.deleteObject(b -> b.bucket(bucket).key(k));
                } catch (SdkException e) {
                    LOG.info("could not delete staging copy s3://" + bucket + "/" + k + ": " + e.getMessage());
                }
            }));
        }
        deletes.forEach(Parallel::join);
    }

    private static String code(S3Exception e) {
        return e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
    }
}
