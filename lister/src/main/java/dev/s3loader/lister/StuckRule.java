package dev.s3loader.lister;

import dev.s3loader.model.InFlight;
import java.time.Duration;
import java.time.Instant;

/**
 * When a file in flight is stuck: the version in flight is the one listed, it has been dispatched
 * {@code maxAttempts} times and the last dispatch is at least {@code requeueAfter} old. The lister
 * leaves such a file alone (counted, holding no room); the operator's {@code unstick} uses this same
 * rule, so that what it resets is exactly what the lister counts.
 */
public record StuckRule(Duration requeueAfter, int maxAttempts) {
    /** @param listedEtag the etag of the file as listed in {@code incoming/} now */
    public boolean isStuck(InFlight entry, String listedEtag, Instant now) {
        return entry.etag().equals(listedEtag) && entry.stuck(now, requeueAfter, maxAttempts);
    }
}
