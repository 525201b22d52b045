package dev.s3loader.model;

import java.time.Instant;

/**
 * One dispatched file in the lister's state: the version sent, when, and how many times.
 *
 * @param attempts dispatches of this version so far (1 after the first send)
 */
public record InFlight(String etag, Instant enqueuedAt, int attempts) {
    public InFlight requeued(Instant now) {
        return new InFlight(etag, now, attempts + 1);
    }
}
