package dev.s3loader.loader.destination.postgres;

import dev.s3loader.model.FileMessage;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;

/**
 * Reads of the first files of a batch that has not begun loading: the one a poller received while
 * its current batch loads. With one connection the batches load one after the other, and each
 * began by waiting for its first reads; started here, they finish during the batch before it.
 * Bounded: at most {@code capacity} reads of at most {@link ReadAhead#MAX_BYTES} each are kept; the
 * oldest is abandoned for a newer one (its batch was given back, or loads other files), and a
 * batch then reads it again itself.
 */
final class Prefetched implements AutoCloseable {
    private final FileSource source;
    private final ExecutorService readers;
    private final int capacity;
    private final Map<FileMessage, ReadAhead.Slot> slots = new LinkedHashMap<>();

    Prefetched(FileSource source, ExecutorService readers, int capacity) {
        this.source = source;
        this.readers = readers;
        this.capacity = capacity;
    }

    /** Starts reading the first {@link ReadAhead#AHEAD} files, in the order the batch will load them. */
    void start(List<FileMessage> claimOrder) {
        for (FileMessage f : claimOrder.subList(0, Math.min(ReadAhead.AHEAD, claimOrder.size()))) {
            synchronized (this) {
                if (slots.containsKey(f)) {
                    continue;
                }
            }
            ReadAhead.Slot s = ReadAhead.startEarly(source, readers, f);
            if (s == null) {
                continue;
            }
            ReadAhead.Slot evicted = null;
            synchronized (this) {
                slots.put(f, s);
                if (slots.size() > capacity) {
                    Iterator<ReadAhead.Slot> oldest = slots.values().iterator();
                    evicted = oldest.next();
                    oldest.remove();
                }
            }
            if (evicted != null) {
                evicted.abort();
            }
        }
    }

    /** The read started for this file, now the caller's; null if none. */
    synchronized ReadAhead.Slot take(FileMessage f) {
        return slots.remove(f);
    }

    /** Reads kept and not taken; for tests. */
    synchronized int size() {
        return slots.size();
    }

    @Override
    public void close() {
        List<ReadAhead.Slot> left;
        synchronized (this) {
            left = List.copyOf(slots.values());
            slots.clear();
        }
        left.forEach(ReadAhead.Slot::abort);
    }
}
