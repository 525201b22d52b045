package dev.s3loader.loader;

import dev.s3loader.loader.destination.Deadline;
import dev.s3loader.loader.destination.Destination;
import dev.s3loader.loader.destination.LoadResult;
import dev.s3loader.loader.destination.Parallel;
import dev.s3loader.loader.internal.FileMover;
import dev.s3loader.loader.internal.LoaderMetrics;
import dev.s3loader.model.FileMessage;
import dev.s3loader.model.Layout;
import dev.s3loader.model.MalformedMessageException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Handles one batch of deliveries: check each file is still the version named, load the batch
 * into the destination, then move each file to processed/ or failed/. Every message is handled
 * on its own; a failure becomes that message's id in the outcome, never an exception for the batch.
 */
public final class BatchProcessor {
    private static final Logger LOG = Logger.getLogger(BatchProcessor.class.getName());
    private final Destination destination;
    private final FileMover mover;
    private final LoaderMetrics metrics;
    private final ExecutorService workers;
    private final int maxReceiveCount;

    public BatchProcessor(Destination destination, FileMover mover, LoaderMetrics metrics, ExecutorService workers,
                          int maxReceiveCount) {
        this.destination = destination;
        this.mover = mover;
        this.metrics = metrics;
        this.workers = workers;
        this.maxReceiveCount = maxReceiveCount;
    }

    /** The deliveries of one file version; SQS may hand the same message, or two copies of it, to one batch. */
    private record Work(FileMessage file, List<Delivery> deliveries) {
        int receiveCount() {
            return deliveries.stream().mapToInt(Delivery::receiveCount).max().orElse(1);
        }
    }

    public BatchOutcome process(List<Delivery> deliveries) {
        return process(deliveries, Deadline.none());
    }

    public BatchOutcome process(List<Delivery> deliveries, Deadline deadline) {
        long started = System.nanoTime();
        List<String> failedIds = Collections.synchronizedList(new ArrayList<>());
        Tally tally = new Tally();
        Map<String, Work> work = new LinkedHashMap<>();
        for (Delivery d : deliveries) {
            try {
                FileMessage m = FileMessage.fromJson(d.body());
                work.computeIfAbsent(m.bucket() + '\0' + m.key() + '\0' + m.etag(), k -> new Work(m, new ArrayList<>()))
                        .deliveries().add(d);
            } catch (MalformedMessageException e) {
                // It can never succeed; it goes back until the queue's redrive puts it in the DLQ, whose alarm an operator sees.
                LOG.severe("malformed message " + d.messageId() + ": " + e.getMessage());
                failedIds.add(d.messageId());
            }
        }

        List<Work> ready = new ArrayList<>();
        for (Work w : parallel(work.values(), w -> precheck(w, failedIds, tally))) {
            if (w != null) {
                ready.add(w);
            }
        }
        List<LoadResult> results = load(ready, deadline);
        Map<FileMessage, Work> byFile = new LinkedHashMap<>();
        ready.forEach(w -> byFile.put(w.file(), w));
        parallel(results, r -> {
            finish(r, byFile.get(r.file()), failedIds, tally);
            return null;
        });

        double seconds = (System.nanoTime() - started) / 1e9;
        metrics.batch(tally.processed.get(), tally.bytes.get(), tally.failed.get(), seconds);
        LOG.info(String.format("batch of %d: processed %d, failed/ %d, skipped %d, failures %d/%d (%.2fs)",
                deliveries.size(), tally.processed.get(), tally.failed.get(), tally.skipped.get(), failedIds.size(),
                deliveries.size(), seconds));
        return new BatchOutcome(failedIds, tally.processed.get(), tally.bytes.get(), tally.failed.get(),
                tally.skipped.get());
    }

    /** Returns the work if it should be loaded; otherwise settles it here (skip, or straight to failed/). */
    private Work precheck(Work w, List<String> failedIds, Tally tally) {
        try {
            return switch (mover.inspect(w.file())) {
                case GONE, CHANGED -> {
                    // Gone: an earlier delivery finished it. Changed: the new version has its own message.
                    tally.skipped.incrementAndGet();
                    yield null;
                }
                case PRESENT -> {
                    if (mover.canProcess(w.file())) {
                        yield w;
                    }
                    finish(new LoadResult.Rejected(w.file(), "key too long for " + "processed/: "
                            + Layout.utf8Length(w.file().key()) + " bytes in incoming/ would exceed S3's "
                            + Layout.MAX_KEY_BYTES + "-byte limit there", Map.of("keyBytes",
                            Integer.toString(Layout.utf8Length(w.file().key())))), w, failedIds, tally);
                    yield null;
                }
            };
        } catch (RuntimeException e) {
            retryOrGiveUp(w, "could not read the file: " + e.getMessage(), e, failedIds, tally);
            return null;
        }
    }

    private List<LoadResult> load(List<Work> ready, Deadline deadline) {
        if (ready.isEmpty()) {
            return List.of();
        }
        List<FileMessage> files = ready.stream().map(Work::file).toList();
        String batchId = ready.getFirst().deliveries().getFirst().messageId();
        try {
            List<LoadResult> results = destination.load(files, batchId, deadline);
            if (results.size() != files.size()) {
                throw new IllegalStateException("destination answered " + results.size() + " results for " + files.size() + " files");
            }
            return results;
        } catch (TransientLoadException e) {
            LOG.log(Level.WARNING, "destination unavailable; batch " + batchId + " goes back to the queue", e);
            return files.stream().<LoadResult>map(f -> new LoadResult.Retry(f, e.getMessage())).toList();
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "load of batch " + batchId + " failed unexpectedly", e);
            return files.stream().<LoadResult>map(f -> new LoadResult.Retry(f, "load failed: " + e)).toList();
        }
    }

    private void finish(LoadResult r, Work w, List<String> failedIds, Tally tally) {
        try {
            switch (r) {
                case LoadResult.Loaded l -> moveToProcessed(w, tally);
                case LoadResult.AlreadyLoaded a -> moveToProcessed(w, tally);
                case LoadResult.SourceChanged c -> tally.skipped.incrementAndGet();
                case LoadResult.Rejected x -> moveToFailed(w, x.reason(), x.detail(), tally);
                case LoadResult.Retry t -> retryOrGiveUp(w, t.reason(), null, failedIds, tally);
            }
        } catch (RuntimeException e) {
            retryOrGiveUp(w, "could not move the file: " + e.getMessage(), e, failedIds, tally);
        }
    }

    private void moveToProcessed(Work w, Tally tally) {
        if (mover.toProcessed(w.file()) == FileMover.Moved.MOVED) {
            tally.processed.incrementAndGet();
            tally.bytes.addAndGet(w.file().size());
        } else {
            tally.skipped.incrementAndGet();
        }
    }

    private void moveToFailed(Work w, String reason, Map<String, String> detail, Tally tally) {
        LOG.warning("moving " + w.file().key() + " to failed/: " + reason);
        if (mover.toFailed(w.file(), reason, detail, w.receiveCount()) == FileMover.Moved.MOVED) {
            tally.failed.incrementAndGet();
        } else {
            tally.skipped.incrementAndGet();
        }
    }

    /** A transient failure goes back to the queue, except on the last receive, where it goes to failed/ with the reason. */
    private void retryOrGiveUp(Work w, String reason, Throwable cause, List<String> failedIds, Tally tally) {
        if (w.receiveCount() >= maxReceiveCount) {
            try {
                moveToFailed(w, "gave up after " + w.receiveCount() + " attempts: " + reason,
                        Map.of("lastError", String.valueOf(reason)), tally);
                return;
            } catch (RuntimeException e) {
                LOG.log(Level.SEVERE, "could not move " + w.file().key() + " to failed/ either", e);
            }
        }
        LOG.log(Level.WARNING, "retrying " + w.file().key() + " (receive " + w.receiveCount() + " of "
                + maxReceiveCount + "), messages " + ids(w) + ": " + reason, cause);
        w.deliveries().forEach(d -> failedIds.add(d.messageId()));
    }

    private static String ids(Work w) {
        return w.deliveries().stream().map(Delivery::messageId).toList().toString();
    }

    private <T, R> List<R> parallel(java.util.Collection<T> items, java.util.function.Function<T, R> task) {
        List<Future<R>> futures = new ArrayList<>();
        for (T item : items) {
            futures.add(workers.submit(() -> task.apply(item)));
        }
        List<R> out = new ArrayList<>();
        for (Future<R> f : futures) {
            out.add(Parallel.join(f));
        }
        return out;
    }

    private static final class Tally {
        final AtomicInteger processed = new AtomicInteger();
        final AtomicLong bytes = new AtomicLong();
        final AtomicInteger failed = new AtomicInteger();
        final AtomicInteger skipped = new AtomicInteger();
    }
}
