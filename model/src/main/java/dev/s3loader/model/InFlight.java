package dev.s3loader.model;

import java.time.Duration;
import java.time.Instant;

/**
 * One dispatched file in the lister's state: the version sent, when, and how many times.
 *
 * @param attempts dispatches of this version so far (1 after the first send)
 */
public record InFlight(String etag, Instant enqueuedAt, int attempts) {
    /**
     * Whether this dispatch of a file still in {@code incoming/} with this etag is stuck: sent
     * {@code maxAttempts} times and due again, so the lister counts it and leaves it alone (it holds
     * no in-flight room). The lister's rule; {@code s3loader status} and the audit read it from here.
     */
    public boolean stuck(Instant now, Duration requeueAfter, int maxAttempts) {
        return Duration.between(enqueuedAt, now).compareTo(requeueAfter) >= 0 && attempts >= maxAttempts;
    }

    public InFlight requeued(Instant now) {
        return new InFlight(etag, now, attempts + 1);
    }
}
