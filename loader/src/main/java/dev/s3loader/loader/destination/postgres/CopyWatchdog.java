package dev.s3loader.loader.destination.postgres;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Ends a COPY whose file body outlives the batch's work time. The server's statement_timeout
 * cannot: pgjdbc sees the server's error only when it next writes, and a stalled S3 read never
 * gets there. Checking once a second is enough, as the budget keeps seconds in reserve.
 */
final class CopyWatchdog implements AutoCloseable {
    static final Duration PERIOD = Duration.ofSeconds(1);
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("s3loader-copy-watchdog").daemon(true).factory());

    /** Watches {@code in} until the returned guard is closed, aborting it once the budget's work time is over. */
    Guard watch(FileSource.Opened in, LoadBudget budget) {
        if (budget.unlimited()) {
            return () -> { };
        }
        long period = PERIOD.toMillis();
        ScheduledFuture<?> check = timer.scheduleAtFixedRate(() -> {
            if (budget.workOver()) {
                in.abortForDeadline();
            }
        }, period, period, TimeUnit.MILLISECONDS);
        return () -> check.cancel(false);
    }

    interface Guard extends AutoCloseable {
        @Override
        void close();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
