package dev.s3loader.ops.status;

import static dev.s3loader.ops.status.Figures.age;
import static dev.s3loader.ops.status.Figures.bytes;
import static dev.s3loader.ops.status.Figures.count;
import static dev.s3loader.ops.status.Figures.n;

import dev.s3loader.model.ListerRun;
import dev.s3loader.ops.text.Printable;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/** The status for a person: one line per part, keys escaped (a key may hold control characters), health last. */
public final class StatusText {
    private StatusText() {
    }

    public static void print(StatusReport r, PrintStream out) {
        out.printf("s3loader status of s3://%s at %s%n", r.bucket(), seconds(r.at()));
        StatusReport.Backlog b = r.backlog();
        out.printf("  backlog      %s, %s in incoming/%s%n", count(b.files(), "file"), bytes(b.bytes()),
                b.oldestAge(r.at()).map(a -> ", oldest " + age(a)).orElse(""));
        out.printf("  in flight    %s, %s stuck, %s waiting (lister state: %s)%n", count(b.inFlight(), "file"), n(b.stuckCount()),
                n(b.waiting()), count(b.stateEntries(), "entry", "entries"));
        b.stuck().forEach(s -> out.printf("      stuck    %s  %s, last %s%n", Printable.key(s.key()),
                count(s.attempts(), "dispatch", "dispatches"), seconds(s.lastDispatch())));
        more(b.stuckCount(), b.stuck().size(), out);
        out.printf("  failed       %s in failed/%s%n", count(r.failed().files(), "file"),
                r.failed().newest().isEmpty() ? "" : ", newest first:");
        r.failed().newest().forEach(f -> out.printf("      %s  %s  %s%n", seconds(f.failedAt()), Printable.key(f.key()),
                oneLine(f.reason())));
        more(r.failed().files(), r.failed().newest().size(), out);
        queue("queue", r.queue(), out);
        queue("dead letter", r.deadLetterQueue(), out);
        out.printf("  lister       %s%n", lastRun(r.lastRun(), r.at()));
        out.printf("  S3 store     %s%n", r.store().map(StatusText::oneLine).orElse("not probed yet (the loader probes it at start-up)"));
        if (r.healthy()) {
            out.println("health: OK");
        } else {
            out.printf("health: %s (exit status 1)%n", count(r.problems().size(), "problem"));
            r.problems().forEach(p -> out.printf("  - %s%n", oneLine(p)));
        }
    }

    private static void queue(String name, StatusReport.QueueDepth q, PrintStream out) {
        out.printf("  %-12s %s waiting, %s in flight, %s delayed%n", name, n(q.visible()), n(q.inFlight()), n(q.delayed()));
    }

    private static String lastRun(StatusReport.LastRun last, Instant at) {
        if (last.problem().isPresent()) {
            return last.problem().get();
        }
        if (last.run().isEmpty()) {
            return "no run recorded yet";
        }
        ListerRun run = last.run().get();
        String when = seconds(run.startedAt()) + " (" + age(Duration.between(run.endedAt(), at)) + " ago, took "
                + String.format(Locale.ROOT, "%.1f s", Duration.between(run.startedAt(), run.endedAt()).toMillis() / 1000.0) + ")";
        if (!run.ok()) {
            return "last run FAILED at " + when + ": " + oneLine(run.error().orElse(""));
        }
        return "last run ok at " + when + run.figures().map(f -> ": listed " + n(f.listed()) + ", dispatched "
                + n(f.dispatched()) + " (" + n(f.requeued()) + " requeued), " + n(f.stuck()) + " stuck"
                + (f.passComplete() ? "" : ", listing a large backlog over several runs")).orElse("");
    }

    private static void more(long count, int shown, PrintStream out) {
        if (count > shown && shown > 0) {
            out.printf("      … and %s more (--keys N shows more)%n", n(count - shown));
        }
    }

    private static String seconds(Instant t) {
        return t.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** A reason or an error on one line: control characters escaped, very long text shortened (--json has it whole). */
    static String oneLine(String text) {
        StringBuilder b = new StringBuilder();
        text.codePoints().forEach(c -> {
            if (c == '\n' || c == '\r' || c == '\t') {
                b.append(' ');
            } else if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
                b.append(String.format("\\u%04x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        return b.length() > 300 ? b.substring(0, 300) + "…" : b.toString();
    }
}
