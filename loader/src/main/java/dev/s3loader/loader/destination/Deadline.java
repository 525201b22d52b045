package dev.s3loader.loader.destination;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * When a batch must be finished: the Lambda's remaining time (or the poller's visibility) less a
 * margin for moving the files and answering. A destination that cannot finish in time stops,
 * keeps what it committed and hands the rest back as {@link LoadResult.Retry}.
 */
public record Deadline(Instant at, Clock clock) {
    private static final Instant NEVER = Instant.MAX;

    /** No deadline: tests and tools that run a batch to its end. */
    public static Deadline none() {
        return new Deadline(NEVER, Clock.systemUTC());
    }

    /** {@code budget} from now on {@code clock}. */
    public static Deadline in(Duration budget, Clock clock) {
        return new Deadline(clock.instant().plus(budget), clock);
    }

    public boolean isNone() {
        return at.equals(NEVER);
    }

    /** Time left, never negative; {@link Duration#ofSeconds(long)} of {@link Long#MAX_VALUE} / 4 for no deadline. */
    public Duration remaining() {
        if (isNone()) {
            return Duration.ofSeconds(Long.MAX_VALUE / 4);
        }
        Duration left = Duration.between(clock.instant(), at);
        return left.isNegative() ? Duration.ZERO : left;
    }

    /** True when less than {@code needed} is left. */
    public boolean lessThan(Duration needed) {
        return remaining().compareTo(needed) < 0;
    }

    public boolean passed() {
        return lessThan(Duration.ofMillis(1));
    }
}
