package dev.s3loader.loader.destination;

import dev.s3loader.loader.ObjectCopier;
import dev.s3loader.model.FileMessage;
import dev.s3loader.model.Layout;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The {@code copy} destination: a server-side copy of each file version into an archive
 * bucket/prefix. Copying the same version twice writes the same bytes, so a redelivery needs no
 * ledger. Like every destination it only loads: the source stays in incoming/, and its move to
 * processed/ is the lifecycle's. (When the archive is the bucket's own processed/ prefix the move
 * is the copy, and the loader is wired with {@link MoveOnly} instead.)
 */
public final class CopyDestination implements Destination {
    private final ObjectCopier copier;
    private final Layout layout;
    private final String bucket;
    private final String prefix;
    private final ExecutorService workers;

    public CopyDestination(ObjectCopier copier, Layout layout, String bucket, String prefix, ExecutorService workers) {
        this.copier = copier;
        this.layout = layout;
        this.bucket = bucket;
        this.prefix = prefix;
        this.workers = workers;
    }

    @Override
    public List<LoadResult> load(List<FileMessage> files, String batchId, Deadline deadline) {
        List<Future<LoadResult>> futures = files.stream().map(f -> workers.submit(() -> copy(f))).toList();
        return futures.stream().map(Parallel::join).toList();
    }

    /** Each copy is conditional on the etag (CopySourceIfMatch): a 412 or 404 is {@link LoadResult.SourceChanged}. */
    @Override
    public boolean checksTheVersionItself() {
        return true;
    }

    /**
     * Nothing is written to the archive to probe it: a probe object there would reach whatever reads
     * the archive. The copies are conditional copies with the loader's role, so the item names what
     * the role needs there.
     */
    @Override
    public List<dev.s3loader.model.CheckItem> preflight() {
        return List.of(dev.s3loader.model.CheckItem.ok("copy destination", "copies into s3://" + bucket + "/" + prefix
                + " (not probed: the loader's role needs s3:PutObject there, and s3:PutObjectTagging for parts above "
                + "the multipart threshold)"));
    }

    private LoadResult copy(FileMessage f) {
        // The archive takes the same partitioned key as processed/ (f carries the source's LastModified).
        String target = prefix + layout.processedTemplate().render(layout.relative(f.key()), f.lastModified());
        if (Layout.utf8Length(target) > Layout.MAX_KEY_BYTES) {
            return new LoadResult.Rejected(f, "archive key would exceed S3's 1024-byte limit: "
                    + Layout.utf8Length(target) + " bytes", Map.of("archiveKeyBytes",
                    Integer.toString(Layout.utf8Length(target))));
        }
        try {
            copier.copy(f.bucket(), f.key(), f.etag(), f.size(), bucket, target);
            return new LoadResult.Loaded(f, 0);
        } catch (RuntimeException e) {
            if (e instanceof S3Exception s && (s.statusCode() == 412
                    || (s.statusCode() == 404 && !"NoSuchBucket".equals(code(s))))) {
                // Overwritten or deleted since the message: this version is not there to copy.
                return new LoadResult.SourceChanged(f);
            }
            return new LoadResult.Retry(f, "archive copy failed: " + e.getMessage());
        }
    }

    private static String code(S3Exception e) {
        return e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
    }

    /** The copy destination whose archive is processed/ itself: the move to processed/ is the whole job. */
    public static final class MoveOnly implements Destination {
        /** Loads nothing: the move's copy, conditional on the etag, is the first request and finds a replaced or gone version. */
        @Override
        public boolean checksTheVersionItself() {
            return true;
        }

        @Override
        public List<LoadResult> load(List<FileMessage> files, String batchId, Deadline deadline) {
            return files.stream().<LoadResult>map(f -> new LoadResult.Loaded(f, 0)).toList();
        }
    }
}
