package dev.s3loader.loader.destination;

import dev.s3loader.loader.TransientLoadException;
import dev.s3loader.model.FileMessage;
import java.util.List;

/**
 * Loads the files of one batch. Implementations load each file at most once per (key, etag),
 * whatever redeliveries happen, and report one {@link LoadResult} per file in the given order.
 * A destination that is unavailable throws {@link TransientLoadException} having loaded nothing.
 */
public interface Destination extends AutoCloseable {
    /**
     * Loads the batch, finishing by {@code deadline}: work that cannot be committed in time is
     * rolled back (or what is committed is kept) and the rest handed back as {@link LoadResult.Retry}.
     */
    List<LoadResult> load(List<FileMessage> files, String batchId, Deadline deadline);

    /** Loads the batch with no deadline. */
    default List<LoadResult> load(List<FileMessage> files, String batchId) {
        return load(files, batchId, Deadline.none());
    }

    /**
     * True when this destination only ever reads the version a message names, conditionally on its
     * etag, and answers {@link LoadResult.SourceChanged} when that version is replaced or gone: the
     * lifecycle then asks S3 nothing before the load (a HEAD per file would only repeat what the
     * conditional request's 412 or 404 says, at the price of a billable request).
     */
    default boolean checksTheVersionItself() {
        return false;
    }

    /**
     * The destination's part of the preflight ({@link dev.s3loader.loader.Preflight}): reachable, and
     * what a load needs there, checked without loading or changing anything. Nothing by default.
     */
    default List<dev.s3loader.model.CheckItem> preflight() {
        return List.of();
    }

    @Override
    default void close() {
    }
}
