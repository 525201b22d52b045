package dev.s3loader.loader;

import dev.s3loader.clients.logging.LogFields;
import dev.s3loader.loader.destination.Deadline;
import dev.s3loader.loader.destination.Destination;
import dev.s3loader.loader.destination.LoadResult;
import dev.s3loader.loader.destination.Parallel;
import dev.s3loader.loader.internal.FileMover;
import dev.s3loader.loader.internal.LoaderMetrics;
import dev.s3loader.model.ErrorReport;
import dev.s3loader.model.FileMessage;
import dev.s3loader.model.Layout;
import dev.s3loader.model.MalformedMessageException;
import dev.s3loader.model.ProcessedKeyTime;
import dev.s3loader.model.QueueMessage;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A file's life in the loader, in one place, read top to bottom:
 * <ol>
 * <li><b>Receive.</b> A message names files: the lister's one, or each record of an S3 event
 *     notification (the event fast path; S3's test event names none and is simply acknowledged).
 *     Files are grouped by version (key, etag): SQS may deliver a message twice, and the lister and
 *     an event may both name one version, which then loads once. A message that names no file
 *     properly can never succeed: it goes back to the queue and on to the dead-letter queue, whose
 *     alarm an operator sees. A message naming several files is acknowledged only when all are
 *     done; handed back, the files already done are skipped on its next delivery.</li>
 * <li><b>Still the version named?</b> Gone: an earlier delivery finished it. Overwritten: the new
 *     version has its own message. Either way this message is done. A key whose processed/ key
 *     would pass S3's limit can never be moved there, so it can never load: it is not loaded, and
 *     is settled with the load's results as rejected. A destination whose
 *     every request is conditional on the etag (copy) answers this itself, as source changed, so
 *     nothing is asked before its load.</li>
 * <li><b>Load.</b> The destination loads the batch and says, per file: loaded, already loaded
 *     (the ledger holds the version), rejected (can never load), source changed, or retry.</li>
 * <li><b>Settle.</b> Loaded or already loaded: copy to processed/, and nowhere else, ever.
 *     Rejected: report, then copy to failed/. Source changed: done. Retry: back to the queue.</li>
 * <li><b>Delete.</b> The sources of the batch's copies, last.</li>
 * </ol>
 * A transient failure, at any step and on any receive, only ever hands the message back: failed/
 * is for files that can never load, and a long outage waits in the queue, the dead-letter queue
 * and the lister's re-dispatch. Each move copies first and deletes the source last, both
 * conditional on the etag, so a worker that dies between any two steps leaves work that the next
 * delivery finishes exactly once. The batch's sources are deleted together, after all its copies,
 * in one DeleteObjects whose every key carries its etag as the condition.
 *
 * <p>With a PROCESSED_KEY_TEMPLATE the processed/ key depends on a time, and that time must be the
 * same on every retry of a version, or a retry after a crash between the copy and the delete would
 * copy to a second key: it is the source's LastModified from step 2's HeadObject (never the
 * message's, which another path may have filled differently), or the ledger's loaded_at, which the load's
 * result carries.
 */
public final class BatchProcessor {
    private static final Logger LOG = Logger.getLogger(BatchProcessor.class.getName());
    private final Destination destination;
    private final FileMover mover;
    private final Layout layout;
    private final LoaderMetrics metrics;
    private final ExecutorService workers;
    private final int maxReceiveCount;
    private final StepHook hook;
    private final Clock clock;
    private final ProcessedKeyTime keyTime;

    public BatchProcessor(Destination destination, FileMover mover, Layout layout, LoaderMetrics metrics,
                          ExecutorService workers, int maxReceiveCount, StepHook hook, Clock clock) {
        this(destination, mover, layout, ProcessedKeyTime.LAST_MODIFIED, metrics, workers, maxReceiveCount, hook, clock);
    }

    public BatchProcessor(Destination destination, FileMover mover, Layout layout, ProcessedKeyTime keyTime,
                          LoaderMetrics metrics, ExecutorService workers, int maxReceiveCount, StepHook hook,
                          Clock clock) {
        this.keyTime = keyTime;
        this.destination = destination;
        this.mover = mover;
        this.layout = layout;
        this.metrics = metrics;
        this.workers = workers;
        this.maxReceiveCount = maxReceiveCount;
        this.hook = hook;
        this.clock = clock;
    }

    /** The deliveries of one file version. */
    private record Work(FileMessage file, List<Delivery> deliveries) {
        int receiveCount() {
            return deliveries.stream().mapToInt(Delivery::receiveCount).max().orElse(1);
        }
    }

    public BatchOutcome process(List<Delivery> deliveries) {
        return process(deliveries, Deadline.none());
    }

    public BatchOutcome process(List<Delivery> deliveries, Deadline deadline) {
        return process(deliveries, deadline, null);
    }

    /**
     * @param requestId the Lambda invocation's request id, written on every log line of the batch
     *                  (null outside Lambda)
     */
    public BatchOutcome process(List<Delivery> deliveries, Deadline deadline, String requestId) {
        long started = System.nanoTime();
        // The batch's id in the logs and in the ledger: its first message's id.
        String batchId = deliveries.isEmpty() ? null : deliveries.getFirst().messageId();
        Tally tally = new Tally(new FileOutcomes(batchId, requestId));
        if (!storeReady(deliveries)) {
            return new BatchOutcome(deliveries.stream().map(Delivery::messageId).distinct().toList(), 0, 0, 0, 0);
        }
        Collection<Work> versions = receive(deliveries, tally);
        hook.reached(Step.RECEIVED, null);
        List<Checked> checked = check(versions, tally);
        List<LoadResult> results = load(checked, batchId, deadline);
        hook.reached(Step.LOADED, null);
        List<Copied> copied = settle(checked, results, tally);
        deleteSources(copied, tally);
        hook.reached(Step.BEFORE_ACK, null);
        return outcome(deliveries.size(), started, tally);
    }

    /** Before any file is touched: the store's conditions decide how files move (probed once). */
    private boolean storeReady(List<Delivery> deliveries) {
        try {
            mover.paths();
            return true;
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "no file of this batch is touched; its " + deliveries.size() + " messages go back to"
                    + " the queue: " + e.getMessage(), e instanceof StoreRefusedException ? null : e);
            return false;
        }
    }

    /** 1. Receive: the file versions the messages name, each with every delivery that names it. */
    private Collection<Work> receive(List<Delivery> deliveries, Tally tally) {
        Map<String, Work> versions = new LinkedHashMap<>();
        for (Delivery d : deliveries) {
            try {
                List<FileMessage> files = QueueMessage.files(d.body());
                if (files.isEmpty()) {
                    LOG.info("message " + d.messageId() + " names no file to load (S3's test event): acknowledged");
                }
                for (FileMessage m : files) {
                    if (!layout.isIncoming(m.key())) {
                        // Only an event can name one (a bucket notification wider than incoming/): not ours to load or move.
                        tally.log.file(FileOutcomes.IGNORED, m, List.of(d), "outside " + layout.incoming()
                                + "; left where it is (check the bucket's event notification filter)", null, null);
                        tally.skipped.incrementAndGet();
                        continue;
                    }
                    versions.computeIfAbsent(m.bucket() + '\0' + m.key() + '\0' + m.etag(),
                            k -> new Work(m, new ArrayList<>())).deliveries().add(d);
                }
            } catch (MalformedMessageException e) {
                tally.log.malformed(d, String.valueOf(e.getMessage()));
                tally.handBack.add(d.messageId());
            }
        }
        return versions.values();
    }

    /**
     * What the check found for a version still to handle: load it ({@code withoutLoad} null), or
     * settle it with that result and no load (a key that can never fit processed/).
     */
    private record Checked(Work work, LoadResult withoutLoad) {
    }

    /** 2. Still the version named? The versions left to load or settle; the others are done or handed back here. */
    private List<Checked> check(Collection<Work> versions, Tally tally) {
        List<Checked> checked = new ArrayList<>();
        for (Checked c : parallel(versions, w -> check(w, tally))) {
            if (c != null) {
                checked.add(c);
            }
        }
        return checked;
    }

    /** Null when nothing is left to do for this version on this delivery. */
    private Checked check(Work w, Tally tally) {
        if (!layout.partitioned() && destination.checksTheVersionItself()
                && layout.processedKey(w.file().key(), null).isPresent()) {
            // The load's own conditional request finds a replaced or gone version, and the processed
            // key needs no LastModified: no HEAD per file.
            return new Checked(w, null);
        }
        FileMover.Inspection source;
        try {
            source = mover.inspect(w.file());
        } catch (RuntimeException e) {
            handBack(w, "could not read the file: " + e.getMessage(), e, tally);
            return null;
        }
        if (source.source() != FileMover.Source.PRESENT) {
            duplicate(w, source.source() == FileMover.Source.GONE ? "gone from incoming/: an earlier delivery finished it"
                    : "replaced since its message: the new version has its own", tally);
            return null;
        }
        Work present = source.lastModified() == null ? w
                : new Work(w.file().withLastModified(source.lastModified()), w.deliveries());
        return new Checked(present, tooLongForProcessed(present.file()));
    }

    /** A key whose processed/ key would pass S3's limit can never be moved there, so it can never load; else null. */
    private LoadResult tooLongForProcessed(FileMessage m) {
        // The template's part before the key has a fixed width, so this holds for every time.
        if (layout.processedKey(m.key(), m.lastModified()).isPresent()) {
            return null;
        }
        String rel = layout.relative(m.key());
        int bytes = Layout.utf8Length(layout.processed()) + layout.processedTemplate().prefixWidth() + Layout.utf8Length(rel);
        return new LoadResult.Rejected(m, "key too long for processed/: it would be " + bytes
                + " bytes there (" + layout.processed() + (layout.partitioned() ? " + PROCESSED_KEY_TEMPLATE '"
                + layout.processedTemplate().text() + "'" : "") + " + the " + Layout.utf8Length(rel)
                + "-byte key below " + layout.incoming() + "), over S3's " + Layout.MAX_KEY_BYTES + "-byte limit",
                Map.of("keyBytes", Integer.toString(Layout.utf8Length(m.key())),
                        "processedKeyBytes", Integer.toString(bytes)));
    }

    /** 3. Load: the destination's result for each version to load, in order. */
    private List<LoadResult> load(List<Checked> checked, String batchId, Deadline deadline) {
        List<FileMessage> files = checked.stream().filter(c -> c.withoutLoad() == null).map(c -> c.work().file()).toList();
        if (files.isEmpty()) {
            return List.of();
        }
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
            LOG.log(Level.SEVERE, "load of batch " + batchId + " failed unexpectedly; it goes back to the queue", e);
            return files.stream().<LoadResult>map(f -> new LoadResult.Retry(f, "load failed: " + e)).toList();
        }
    }

    /**
     * 4. Settle, up to the copies: every result, the load's and the check's, in parallel. Returns
     * the copies whose sources are still to be deleted.
     */
    private List<Copied> settle(List<Checked> checked, List<LoadResult> loaded, Tally tally) {
        Map<FileMessage, Work> byFile = new LinkedHashMap<>();
        List<LoadResult> results = new ArrayList<>(loaded);
        for (Checked c : checked) {
            byFile.put(c.work().file(), c.work());
            if (c.withoutLoad() != null) {
                results.add(c.withoutLoad());
            }
        }
        return parallel(results, r -> settle(r, byFile.get(r.file()), tally));
    }

    /**
     * A file copied to processed/ or failed/ whose source is still to be deleted.
     *
     * @param outcome what the file's log line says once its source is deleted
     */
    private record Copied(Work work, boolean toFailed, String outcome, String reason, LogFields fields) {
    }

    /** Settles one result up to its copy; returns the copy whose source is to be deleted, or null. */
    private Copied settle(LoadResult r, Work w, Tally tally) {
        try {
            return switch (r) {
                case LoadResult.Loaded l -> toProcessed(w, l.loadedAt(), FileOutcomes.LOADED, l.rows(), tally);
                case LoadResult.AlreadyLoaded a -> toProcessed(w, a.loadedAt(), FileOutcomes.PROCESSED, null, tally);
                case LoadResult.SourceChanged c -> {
                    duplicate(w, "replaced or gone since its message", tally);
                    yield null;
                }
                case LoadResult.Rejected x -> toFailed(w, x.reason(), x.detail(), tally);
                case LoadResult.Retry t -> {
                    handBack(w, t.reason(), null, tally);
                    yield null;
                }
            };
        } catch (RuntimeException e) {
            handBack(w, "could not move the file: " + e.getMessage(), e, tally);
            return null;
        }
    }

    /**
     * A loaded version goes to processed/ and nowhere else: a failed move is retried, never sent to failed/.
     *
     * @param loadedAt the ledger's time of the load, which PROCESSED_KEY_TIME=load files by (null when the ledger gave none)
     */
    private Copied toProcessed(Work w, Instant loadedAt, String outcome, Long rows, Tally tally) {
        FileMessage m = w.file();
        Instant at = keyTime == ProcessedKeyTime.LOAD ? loadedAt : m.lastModified();
        if (at == null) {
            handBack(w, "the ledger gave no load time for the processed/ key (PROCESSED_KEY_TIME=load)", null, tally);
            return null;
        }
        String target = layout.processedKey(m.key(), at).orElseThrow();
        return copy(w, m.bucket(), target, false, outcome, null, LogFields.of("rows", rows, "target", target), tally);
    }

    /**
     * The report is written first, under a key no file can take: if it cannot be written the file
     * stays where it is, in one place, and the reason is in this log line and comes back with the
     * next delivery. A file whose key does not fit failed/ either stays in incoming/ with its report.
     */
    private Copied toFailed(Work w, String reason, Map<String, String> detail, Tally tally) {
        FileMessage m = w.file();
        var target = layout.failedKey(m.key());
        ErrorReport report = new ErrorReport(m.key(), m.etag(), target.orElse(null),
                target.isPresent() ? reason : reason + " (the key is too long for failed/ too; the file stays in incoming/)",
                w.receiveCount(), clock.instant(), detail);
        String reportKey = layout.errorReportKey(m.key());
        try {
            mover.writeReport(m, reportKey, report);
        } catch (RuntimeException e) {
            // The file stays in incoming/; its reason is in this line until a delivery writes the report.
            handBack(w, "could not write its error report (" + e.getMessage() + "); it goes to failed/ because: " + reason,
                    e, tally);
            return null;
        }
        LogFields fields = LogFields.of("target", target.orElse(null), "report", reportKey);
        for (String name : List.of("line", "column", "sqlState", "code")) {
            fields.with(name, detail.get(name));
        }
        if (target.isEmpty()) {
            tally.failed.incrementAndGet();
            tally.log.file(FileOutcomes.FAILED, m, w.deliveries(), report.reason(), fields, null);
            return null;
        }
        return copy(w, m.bucket(), target.get(), true, FileOutcomes.FAILED, reason, fields, tally);
    }

    /** The first half of a move: the copy. A version replaced or gone since its message is done here. */
    private Copied copy(Work w, String bucket, String target, boolean toFailed, String outcome, String reason,
                        LogFields fields, Tally tally) {
        FileMessage m = w.file();
        if (mover.copy(m, bucket, target) != FileMover.Outcome.DONE) {
            duplicate(w, "replaced or gone before its move: another delivery finished it, or a new version has its own message",
                    tally);
            return null;
        }
        hook.reached(Step.COPIED, m);
        return new Copied(w, toFailed, outcome, reason, fields);
    }

    /** Nothing left to do for this message: counted as skipped, logged as a duplicate. */
    private void duplicate(Work w, String reason, Tally tally) {
        tally.skipped.incrementAndGet();
        tally.log.file(FileOutcomes.DUPLICATE, w.file(), w.deliveries(), reason, null, null);
    }

    /**
     * 5. Delete: the second half of every move of the batch, last: the sources, each deleted only
     * if it is still the version copied, together ({@link FileMover#deleteSources}).
     */
    private void deleteSources(List<Copied> copied, Tally tally) {
        Map<FileMessage, Copied> byFile = new LinkedHashMap<>();
        for (Copied c : copied) {
            if (c != null) {
                byFile.put(c.work().file(), c);
            }
        }
        if (byFile.isEmpty()) {
            return;
        }
        mover.deleteSources(List.copyOf(byFile.keySet())).forEach((m, deletion) -> {
            Copied c = byFile.get(m);
            if (deletion.failure() != null) {
                handBack(c.work(), "could not move the file: " + deletion.failure().getMessage(), deletion.failure(), tally);
            } else if (deletion.outcome() == FileMover.Outcome.DONE) {
                hook.reached(Step.DELETED, m);
                if (c.toFailed()) {
                    tally.failed.incrementAndGet();
                } else {
                    tally.processed.incrementAndGet();
                    tally.bytes.addAndGet(m.size());
                    if (FileOutcomes.LOADED.equals(c.outcome())) {
                        tally.loaded.incrementAndGet();
                    }
                }
                tally.log.file(c.outcome(), m, c.work().deliveries(), c.reason(), c.fields(), null);
            } else {
                duplicate(c.work(), "replaced or gone before its source was deleted: another delivery finished it", tally);
            }
        });
    }

    /** The batch's figures: its metrics, its summary line and its answer to the queue. */
    private BatchOutcome outcome(int messages, long started, Tally tally) {
        double seconds = (System.nanoTime() - started) / 1e9;
        metrics.batch(tally.processed.get(), tally.bytes.get(), tally.failed.get(), seconds);
        tally.log.batch(messages, tally.loaded.get(), tally.processed.get() - tally.loaded.get(),
                tally.failed.get(), tally.skipped.get(), tally.handBack.size(), tally.bytes.get(), seconds);
        return new BatchOutcome(List.copyOf(tally.handBack), tally.processed.get(), tally.bytes.get(), tally.failed.get(),
                tally.skipped.get());
    }

    /** Back to the queue: after maxReceiveCount receives SQS moves it to the dead-letter queue, never to failed/. */
    private void handBack(Work w, String reason, Throwable cause, Tally tally) {
        String next = w.receiveCount() >= maxReceiveCount ? "the dead-letter queue next" : "the queue";
        tally.log.file(FileOutcomes.HANDED_BACK, w.file(), w.deliveries(), reason,
                LogFields.of("next", next, "maxReceiveCount", maxReceiveCount), cause);
        w.deliveries().forEach(d -> tally.handBack.add(d.messageId()));
    }

    private <T, R> List<R> parallel(Collection<T> items, Function<T, R> task) {
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
        final FileOutcomes log;
        // A set: a message naming several files is handed back once, however many of them fail.
        final Set<String> handBack = Collections.synchronizedSet(new LinkedHashSet<>());
        final AtomicInteger processed = new AtomicInteger();
        final AtomicInteger loaded = new AtomicInteger();
        final AtomicLong bytes = new AtomicLong();
        final AtomicInteger failed = new AtomicInteger();
        final AtomicInteger skipped = new AtomicInteger();

        Tally(FileOutcomes log) {
            this.log = log;
        }
    }
}
