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
     * When the ledger recorded each loaded file's load (PROCESSED_KEY_TIME=load): the same answer
     * on every retry. Files the ledger does not hold are left out.
     *
     * @throws TransientLoadException when the ledger cannot be read now
     */
    default java.util.Map<FileMessage, java.time.Instant> loadedAt(List<FileMessage> files) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " keeps no load times");
    }

    @Override
    default void close() {
    }
}
