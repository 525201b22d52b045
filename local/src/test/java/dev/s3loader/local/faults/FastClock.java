package dev.s3loader.local.faults;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock that runs {@code speed} times faster than the wall clock, so that the lister's shortest
 * REQUEUE_AFTER_MINUTES (1 minute) passes in seconds and a scenario that loses messages finishes
 * without waiting a real minute per re-send. Only durations the pipeline measures are shortened;
 * nothing is skipped.
 */
final class FastClock extends Clock {
    private final Instant start = Instant.now();
    private final long startNanos = System.nanoTime();
    private final long speed;

    FastClock(long speed) {
        this.speed = speed;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public Instant instant() {
        return start.plusNanos((System.nanoTime() - startNanos) * speed);
    }
}
