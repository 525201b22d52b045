package dev.s3loader.bench;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/** Samples a backlog counter into a {@link BacklogTrace} every 250 ms, off the measured threads. */
final class ProgressSampler implements AutoCloseable {
    private final ScheduledExecutorService timer =
            Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon(true).name("bench-sampler").factory());

    ProgressSampler(BacklogTrace trace, long startNanos, LongSupplier backlog) {
        timer.scheduleAtFixedRate(() -> trace.sample((System.nanoTime() - startNanos) / 1e9, backlog.getAsLong()),
                0, 250, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
