package dev.s3loader.loader.destination;

import dev.s3loader.model.FileMessage;
import java.time.Instant;
import java.util.Map;

/** What a destination did with one file of a batch. Failures are data, so one file never fails the others. */
public sealed interface LoadResult {
    FileMessage file();

    /**
     * The file's contents are in the destination now, with its ledger entry.
     *
     * @param loadedAt when the ledger recorded the load, the same on every retry of the version
     *                 (PROCESSED_KEY_TIME=load files by it); null where the destination keeps no time
     */
    record Loaded(FileMessage file, long rows, Instant loadedAt) implements LoadResult {
        public Loaded(FileMessage file, long rows) {
            this(file, rows, null);
        }
    }

    /**
     * The ledger already held this (key, etag): an earlier delivery loaded it; only the move is left.
     *
     * @param loadedAt as for {@link Loaded}: the ledger's time of that earlier load, or null
     */
    record AlreadyLoaded(FileMessage file, Instant loadedAt) implements LoadResult {
        public AlreadyLoaded(FileMessage file) {
            this(file, null);
        }
    }

    /** The file can never load as it is (bad row, unreadable): it goes to failed/ with this reason and detail. */
    record Rejected(FileMessage file, String reason, Map<String, String> detail) implements LoadResult {
        public Rejected {
            detail = Map.copyOf(detail);
        }
    }

    /** The object is gone or was overwritten since the message was sent: nothing loaded, nothing to do. */
    record SourceChanged(FileMessage file) implements LoadResult {
    }

    /** A transient failure for this file: back to the queue (or to failed/ on the last receive). */
    record Retry(FileMessage file, String reason) implements LoadResult {
    }
}
