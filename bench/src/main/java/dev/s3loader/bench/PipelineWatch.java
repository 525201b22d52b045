package dev.s3loader.bench;

import dev.s3loader.loader.Step;
import dev.s3loader.loader.StepHook;
import dev.s3loader.model.FileMessage;
import dev.s3loader.ops.Progress;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Watches the loader through its step hook, on the loader's own threads and without a request:
 * each {@link Step#DELETED} is a file that has left incoming/ (its copy is in processed/). It counts
 * them, records the file's latency from when it was dropped (its LastModified, or the run's start
 * for a file already waiting then) to that moment, and notes when the expected count is reached.
 * It also notes when the phase's first batch started loading ({@link Step#RECEIVED}), so that a
 * one-file phase can tell the loader's own time from the wait for the lister.
 */
final class PipelineWatch implements StepHook {
    private final AtomicLong moved = new AtomicLong();
    private volatile long expected = Long.MAX_VALUE;
    private volatile long startMillis;
    private volatile long doneNanos;
    private volatile long firstReceivedNanos;
    private volatile LatencyHistogram latency = new LatencyHistogram();
    private volatile Progress progress = Progress.silent();

    /** Starts counting a new phase: {@code expected} files, dropped no earlier than now. */
    synchronized void begin(long expected, Progress progress) {
        this.moved.set(0);
        this.doneNanos = 0;
        this.firstReceivedNanos = 0;
        this.latency = new LatencyHistogram();
        this.progress = progress;
        this.startMillis = System.currentTimeMillis();
        this.expected = expected;
    }

    /** Files waiting before this moment count their latency from it: the pipeline could not see them earlier. */
    void startClock() {
        this.startMillis = System.currentTimeMillis();
    }

    @Override
    public void reached(Step step, FileMessage file) {
        if (step == Step.RECEIVED && firstReceivedNanos == 0) {
            firstReceivedNanos = System.nanoTime();
        }
        if (step != Step.DELETED || file == null) {
            return;
        }
        long now = System.currentTimeMillis();
        long dropped = Math.max(startMillis, file.lastModified() == null ? startMillis : file.lastModified().toEpochMilli());
        latency.record(now - dropped);
        progress.advance(1);
        if (moved.incrementAndGet() == expected) {
            doneNanos = System.nanoTime();
        }
    }

    long moved() {
        return moved.get();
    }

    LatencyHistogram latency() {
        return latency;
    }

    /** System.nanoTime() when the expected count was reached, or 0 before. */
    long doneNanos() {
        return doneNanos;
    }

    /** System.nanoTime() when the phase's first batch started loading, or 0 before. */
    long firstReceivedNanos() {
        return firstReceivedNanos;
    }

    boolean reachedExpected() {
        return doneNanos != 0 && moved.get() >= expected;
    }
}
