package dev.s3loader.loader.destination.postgres;

import dev.s3loader.loader.destination.Deadline;
import java.time.Duration;
import java.time.Instant;

/**
 * A batch's time. Work (claims and COPYs) stops a reserve before the deadline, so that the
 * commit, POST_SQL and the merge still fit; a file is started only while there is room for one
 * more as slow as the slowest so far. All times come from the deadline's clock.
 */
final class LoadBudget {
    /** Never less than this is kept back for the end of the transaction. */
    static final Duration MIN_RESERVE = Duration.ofSeconds(2);
    /** A tenth of the batch's time is kept back, at most this. */
    static final Duration MAX_RESERVE = Duration.ofSeconds(30);
    /** A file is not started with less work time than this left. */
    static final Duration MIN_FILE_TIME = Duration.ofSeconds(1);

    private final Deadline deadline;
    private final Instant workEnds;
    private volatile Duration slowestFile = Duration.ZERO;

    LoadBudget(Deadline deadline) {
        this.deadline = deadline;
        if (deadline.isNone()) {
            this.workEnds = deadline.at();
        } else {
            Duration reserve = deadline.remaining().dividedBy(10);
            reserve = reserve.compareTo(MIN_RESERVE) < 0 ? MIN_RESERVE
                    : reserve.compareTo(MAX_RESERVE) > 0 ? MAX_RESERVE : reserve;
            this.workEnds = deadline.at().minus(reserve);
        }
    }

    boolean unlimited() {
        return deadline.isNone();
    }

    Instant now() {
        return deadline.clock().instant();
    }

    /** Until the work must stop; zero once it is over. */
    Duration workLeft() {
        if (unlimited()) {
            return deadline.remaining();
        }
        Duration left = Duration.between(now(), workEnds);
        return left.isNegative() ? Duration.ZERO : left;
    }

    /** Until the deadline itself. */
    Duration totalLeft() {
        return deadline.remaining();
    }

    boolean workOver() {
        return !unlimited() && workLeft().isZero();
    }

    /** Whether another file can be started and, judged by the slowest so far, finished in time. */
    boolean roomForAnotherFile() {
        if (unlimited()) {
            return true;
        }
        Duration needed = slowestFile.compareTo(MIN_FILE_TIME) > 0 ? slowestFile : MIN_FILE_TIME;
        return workLeft().compareTo(needed) > 0;
    }

    void fileTook(Instant started) {
        Duration took = Duration.between(started, now());
        if (took.compareTo(slowestFile) > 0) {
            slowestFile = took;
        }
    }

    /** {@code statement_timeout} for work statements, in milliseconds; 0 (none) without a deadline. */
    long workStatementTimeoutMillis() {
        return unlimited() ? 0 : Math.max(1, workLeft().toMillis());
    }

    /** {@code statement_timeout} for the statements that end the transaction (POST_SQL, the merge). */
    long finishStatementTimeoutMillis() {
        return unlimited() ? 0 : Math.max(1, totalLeft().toMillis());
    }

    /** Caps a timeout (connecting, waiting for a slot, the socket) at the time left before the deadline. */
    Duration cap(Duration timeout) {
        Duration left = totalLeft();
        return left.compareTo(timeout) < 0 ? left : timeout;
    }
}
