package dev.s3loader.lister;

import java.time.Duration;
import java.time.Instant;

/**
 * What the listing of {@code incoming/} saw, and what the run did about it.
 *
 * @param passComplete false while a backlog too large for one run is still being listed over
 *                     several: files, bytes and oldest age are then those of the last complete pass
 *                     (or, before the first, what this pass has counted so far)
 */
public record Backlog(long files, long bytes, Duration oldestAge, int inFlight, int enqueued, int stuck,
                      long waiting, boolean passComplete) {
    public static Backlog of(long files, long bytes, Instant oldest, Instant now, int inFlight, int enqueued,
                             int stuck, long waiting, boolean passComplete) {
        Duration age = oldest == null ? Duration.ZERO : Duration.between(oldest, now);
        return new Backlog(files, bytes, age.isNegative() ? Duration.ZERO : age, inFlight, enqueued, stuck, waiting,
                passComplete);
    }
}
