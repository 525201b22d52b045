package dev.s3loader.loader.destination.postgres;

import dev.s3loader.model.FileMessage;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import software.amazon.awssdk.core.ResponseInputStream;

/**
 * Reads the next small files of a batch from S3 while the connection COPYs the current one: a
 * file of a few KiB costs a GET's latency and almost no COPY time, so reading them one after the
 * other left the connection idle most of the batch. Only files up to {@link #MAX_BYTES} are read
 * ahead, whole, and at most {@link #AHEAD} at a time, so a batch in progress holds at most
 * AHEAD x MAX_BYTES whatever its size (a container holds POLLERS batches); a larger file is
 * streamed by the loading thread as before. Reading starts before the claims, so a redelivered
 * file the ledger already holds may be read once for nothing: its read is abandoned when it is
 * passed over.
 */
final class ReadAhead implements AutoCloseable {
    /** Files up to this size are read ahead whole; larger ones stream (memory stays flat in file size). */
    static final long MAX_BYTES = 1 << 20;
    /** Files read ahead of the one being loaded, at most: at most AHEAD x MAX_BYTES held per batch. */
    static final int AHEAD = 8;
    /** How often a wait for a file checks the batch's deadline (as the COPY's watchdog does). */
    private static final Duration CHECK = CopyWatchdog.PERIOD;

    private final FileSource source;
    private final ExecutorService readers;
    private final List<FileMessage> files;
    private final List<Slot> slots = new ArrayList<>();
    private int next;

    /** What reading a file ahead gave: its bytes, or gone (replaced or deleted), or why it could not be read. */
    sealed interface Body {
        record Read(byte[] bytes) implements Body {
        }

        record Gone() implements Body {
        }

        /** S3 refused or failed the request (after the client's retries). */
        record RequestFailed(RuntimeException cause) implements Body {
        }

        /** The body broke off while it was read. */
        record ReadFailed(IOException cause) implements Body {
        }

        /** The batch's work time ran out while waiting for the file. */
        record OutOfTime() implements Body {
        }
    }

    /** One file's read: its future, and the response to abort when the batch's time runs out. */
    private static final class Slot {
        final FileMessage file;
        volatile Future<Body> body;
        volatile ResponseInputStream<?> response;
        volatile boolean aborted;
        /** The body was read to its end: its connection went back to the client's pool, not to be aborted. */
        volatile boolean finished;

        Slot(FileMessage file) {
            this.file = file;
        }

        void abort() {
            aborted = true;
            ResponseInputStream<?> r = response;
            if (r != null && !finished) {
                r.abort();
                try {
                    r.close();
                } catch (IOException | RuntimeException e) {
                    // Aborted on purpose; nothing to report.
                }
            }
            Future<Body> f = body;
            if (f != null) {
                f.cancel(false);
            }
        }
    }

    /**
     * Starts reading the first files at once (before the batch has its connection, so the reads
     * overlap the wait for a slot and the claims).
     *
     * @param files the batch's files in the order they will be loaded
     */
    ReadAhead(FileSource source, ExecutorService readers, List<FileMessage> files) {
        this.source = source;
        this.readers = readers;
        this.files = files;
        files.forEach(f -> slots.add(new Slot(f)));
        for (int i = 0; i < files.size() && i < AHEAD; i++) {
            start(i);
        }
    }

    static boolean small(FileMessage f) {
        return f.size() <= MAX_BYTES;
    }

    private void start(int i) {
        Slot s = slots.get(i);
        if (small(s.file) && s.body == null) {
            s.body = readers.submit(() -> read(s));
        }
    }

    private Body read(Slot s) {
        if (s.aborted) {
            return new Body.OutOfTime();
        }
        ResponseInputStream<?> r;
        try {
            var got = source.get(s.file);
            if (got.isEmpty()) {
                return new Body.Gone();
            }
            r = got.get();
        } catch (RuntimeException e) {
            return new Body.RequestFailed(e);
        }
        s.response = r;
        if (s.aborted) {
            s.abort();
            return new Body.OutOfTime();
        }
        try (InputStream in = r) {
            byte[] bytes = in.readAllBytes();
            s.finished = true;
            return new Body.Read(bytes);
        } catch (IOException e) {
            return s.aborted ? new Body.OutOfTime() : new Body.ReadFailed(e);
        } catch (RuntimeException e) {
            // The SDK reports e.g. a checksum mismatch unchecked: a failed read all the same.
            return s.aborted ? new Body.OutOfTime() : new Body.ReadFailed(new IOException(e.getMessage(), e));
        }
    }

    /**
     * The body of file {@code i}, read ahead; null for a file too large to read ahead, which the
     * caller streams. Files are taken in order, and files passed over (the ledger holds them) are
     * dropped unread or their read abandoned. Waits no longer than the budget's work time.
     */
    Body take(int i, LoadBudget budget) {
        if (i < next) {
            throw new IllegalStateException("files are taken in order: asked for " + i + ", next is " + next);
        }
        for (int skipped = next; skipped < i; skipped++) {
            slots.get(skipped).abort();
        }
        next = i + 1;
        for (int j = next; j < files.size() && j <= i + AHEAD; j++) {
            start(j);
        }
        Slot s = slots.get(i);
        Future<Body> f = s.body;
        if (f == null) {
            return null;
        }
        while (true) {
            try {
                return budget.unlimited() ? f.get() : f.get(CHECK.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                if (budget.workOver()) {
                    s.abort();
                    return new Body.OutOfTime();
                }
            } catch (CancellationException e) {
                return new Body.OutOfTime();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                s.abort();
                throw new IllegalStateException("interrupted while reading " + s.file.key(), e);
            } catch (ExecutionException e) {
                return new Body.RequestFailed(new IllegalStateException(e.getCause()));
            }
        }
    }

    /** Ends every read still under way or not taken: the batch stopped, or is done. */
    @Override
    public void close() {
        for (int i = next; i < slots.size(); i++) {
            slots.get(i).abort();
        }
    }
}
