package dev.s3loader.lister.internal;

import java.time.Duration;
import java.time.Instant;

/** What one listing of {@code incoming/} saw, and what the run did about it. */
public record Backlog(long files, long bytes, Duration oldestAge, int inFlight, int enqueued, int stuck,
                      long waiting) {
    public static Backlog of(long files, long bytes, Instant oldest, Instant now, int inFlight, int enqueued,
                             int stuck, long waiting) {
        Duration age = oldest == null ? Duration.ZERO : Duration.between(oldest, now);
        return new Backlog(files, bytes, age.isNegative() ? Duration.ZERO : age, inFlight, enqueued, stuck, waiting);
    }
}
