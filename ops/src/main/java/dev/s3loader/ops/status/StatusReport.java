package dev.s3loader.ops.status;

import dev.s3loader.model.ListerRun;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What {@code s3loader status} saw at one moment: exact counts, and the first (or newest) few keys
 * of each list, so that its size does not grow with the bucket.
 *
 * @param problems why the pipeline needs the operator (empty: healthy); see {@link Health}
 * @param store    how the loader moves files on this S3 store, as its start-up probe recorded it
 *                 (docs/stores.md); empty before a loader has run
 */
public record StatusReport(String bucket, Instant at, Backlog backlog, Failed failed, QueueDepth queue,
                           QueueDepth deadLetterQueue, LastRun lastRun, List<String> problems, Optional<String> store) {

    public boolean healthy() {
        return problems.isEmpty();
    }

    /**
     * The files in {@code incoming/} joined with the lister's in-flight state.
     *
     * @param inFlight     files dispatched (this version) and not stuck: a loader has them or will
     * @param waiting      files not dispatched yet (no room, or new since the last run)
     * @param stuckCount   files the lister has dispatched MAX_ATTEMPTS times and now leaves alone
     * @param stuck        the first of them in key order
     * @param stateEntries entries of the lister's state object (finished files stay until its next run)
     * @param stateProblem why the state object could not be read, if it could not
     */
    public record Backlog(long files, long bytes, Optional<Instant> oldest, long inFlight, long waiting, long stuckCount,
                          List<StuckFile> stuck, int stateEntries, Optional<String> stateProblem) {
        public Optional<Duration> oldestAge(Instant at) {
            return oldest.map(o -> o.isAfter(at) ? Duration.ZERO : Duration.between(o, at));
        }
    }

    public record StuckFile(String key, int attempts, Instant lastDispatch) {
    }

    /** The files in {@code failed/}, and the reasons of the newest. */
    public record Failed(long files, List<FailedFile> newest) {
    }

    /** @param reason from its error report, or what is wrong with the report */
    public record FailedFile(String key, Instant failedAt, String reason) {
    }

    /** SQS's approximate counts of one queue. */
    public record QueueDepth(String url, long visible, long inFlight, long delayed) {
        public long total() {
            return visible + inFlight + delayed;
        }
    }

    /** The lister's record of its last run; empty when none was written yet (or it is unreadable: {@code problem}). */
    public record LastRun(Optional<ListerRun> run, Optional<String> problem) {
    }
}
