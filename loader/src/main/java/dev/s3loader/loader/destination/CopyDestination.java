package dev.s3loader.loader.destination;

import dev.s3loader.loader.internal.FileMover;
import dev.s3loader.model.FileMessage;
import dev.s3loader.model.Layout;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * The {@code copy} destination: a server-side copy of each file into an archive bucket/prefix.
 * When the archive is the bucket's own processed/ prefix, the move is the copy and there is
 * nothing to do here. Copying the same version twice writes the same bytes, so a redelivery
 * needs no ledger.
 */
public final class CopyDestination implements Destination {
    private final FileMover mover;
    private final Layout layout;
    private final String bucket;
    private final String prefix;
    private final boolean copyIsTheMove;
    private final ExecutorService workers;

    public CopyDestination(FileMover mover, Layout layout, String bucket, String prefix, boolean copyIsTheMove,
                           ExecutorService workers) {
        this.mover = mover;
        this.layout = layout;
        this.bucket = bucket;
        this.prefix = prefix;
        this.copyIsTheMove = copyIsTheMove;
        this.workers = workers;
    }

    @Override
    public List<LoadResult> load(List<FileMessage> files, String batchId, Deadline deadline) {
        if (copyIsTheMove) {
            return files.stream().<LoadResult>map(f -> new LoadResult.Loaded(f, 0)).toList();
        }
        List<Future<LoadResult>> futures = files.stream().map(f -> workers.submit(() -> copy(f))).toList();
        return futures.stream().map(Parallel::join).toList();
    }

    private LoadResult copy(FileMessage f) {
        String target = prefix + layout.relative(f.key());
        if (Layout.utf8Length(target) > Layout.MAX_KEY_BYTES) {
            return new LoadResult.Rejected(f, "archive key would exceed S3's 1024-byte limit: "
                    + Layout.utf8Length(target) + " bytes", java.util.Map.of("archiveKeyBytes",
                    Integer.toString(Layout.utf8Length(target))));
        }
        try {
            return switch (mover.copyTo(f, bucket, target)) {
                case MOVED -> new LoadResult.Loaded(f, 0);
                case CHANGED, GONE -> new LoadResult.SourceChanged(f);
            };
        } catch (RuntimeException e) {
            return new LoadResult.Retry(f, "archive copy failed: " + e.getMessage());
        }
    }
}
