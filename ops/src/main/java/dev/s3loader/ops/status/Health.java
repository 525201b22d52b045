package dev.s3loader.ops.status;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * When the pipeline needs the operator ({@code s3loader status} exits 1): files stuck, messages in
 * the dead-letter queue, a lister that failed its last run or has not run for a while, an
 * unreadable lister state. Files in {@code failed/} are not a problem of the pipeline: they are
 * where a file that can never load belongs, with its reason, until someone fixes and requeues it.
 */
final class Health {
    private Health() {
    }

    static List<String> problems(StatusReport.Backlog backlog, StatusReport.QueueDepth deadLetter, StatusReport.LastRun lastRun,
                                 Instant at, StatusSettings settings) {
        List<String> problems = new ArrayList<>();
        if (backlog.stuckCount() > 0) {
            problems.add(Figures.count(backlog.stuckCount(), "file") + " stuck (dispatched " + Figures.times(settings.maxAttempts())
                    + ", MAX_ATTEMPTS): find the cause in the loader's log, then `s3loader unstick`");
        }
        if (deadLetter.total() > 0) {
            problems.add(Figures.count(deadLetter.total(), "message") + " in the dead-letter queue: find the cause, then"
                    + " `s3loader redrive`");
        }
        backlog.stateProblem().ifPresent(problems::add);
        lastRun.problem().ifPresent(problems::add);
        lastRun.run().ifPresent(run -> {
            if (!run.ok()) {
                problems.add("the last lister run failed: " + run.error().orElse(""));
            }
            Duration since = Duration.between(run.endedAt(), at);
            if (since.compareTo(settings.staleAfter()) > 0) {
                problems.add("the lister last ran " + Figures.age(since) + " ago (more than --stale-after "
                        + settings.staleAfter().toMinutes() + " min): is its schedule or process running?");
            }
        });
        return List.copyOf(problems);
    }
}
