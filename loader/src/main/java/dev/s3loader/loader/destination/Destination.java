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
    List<LoadResult> load(List<FileMessage> files, String batchId);

    @Override
    default void close() {
    }
}
