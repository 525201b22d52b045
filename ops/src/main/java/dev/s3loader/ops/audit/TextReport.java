package dev.s3loader.ops.audit;

import dev.s3loader.ops.status.Figures;
import dev.s3loader.ops.text.Printable;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Map;

/** The audit's report for a person: counts first, then each finding with its first keys. */
public final class TextReport {
    private TextReport() {
    }

    public static void print(AuditReport r, PrintStream out) {
        print(r, out, java.util.Optional.empty());
    }

    /** @param unchecked why the ledger was not checked although the destination may have one (never "hold" then) */
    public static void print(AuditReport r, PrintStream out, java.util.Optional<String> unchecked) {
        out.printf("s3loader audit of s3://%s at %s%s%n", r.bucket(), r.at().truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
                r.ledger().map(l -> ", ledger: " + l).orElse(", ledger not checked ("
                        + unchecked.orElse("copy destination") + ")"));
        out.printf("  incoming/   %s, %s%s: %s in flight, %s stuck, %s waiting%n", count(r.incomingFiles(), "file"),
                bytes(r.incomingBytes()), r.oldestIncomingAge().map(a -> ", oldest " + age(a)).orElse(""),
                n(r.inFlight().count()), n(r.stuck().count()), n(r.waiting()));
        entries("in flight", r.inFlight(), out);
        entries("stuck", r.stuck(), out);
        out.printf("  processed/  %s, %s%n", count(r.processedFiles(), "file"), bytes(r.processedBytes()));
        out.printf("  failed/     %s, %s%n", count(r.failed().count(), "file"), count(r.errorReports(), "error report"));
        entries("failed", r.failed(), out);
        if (r.ledger().isPresent()) {
            out.printf("  ledger      %s%n", count(r.ledgerRows(), "row"));
        }
        boolean any = false;
        for (Map.Entry<FindingKind, Sample<AuditReport.Entry>> e : r.findings().entrySet()) {
            if (e.getValue().count() == 0) {
                continue;
            }
            if (!any) {
                out.println("findings");
                any = true;
            }
            FindingKind k = e.getKey();
            out.printf("  %s %s (%s): %s%n", k.violation() ? "VIOLATION" : "note     ", k.id(), n(e.getValue().count()),
                    k.description());
            e.getValue().shown().forEach(x -> out.printf("      %s%s%n", x.key().isEmpty() ? "" : Printable.key(x.key()),
                    x.detail().isEmpty() ? "" : "  " + x.detail()));
            more(e.getValue(), out);
        }
        if (r.holds() && unchecked.isPresent()) {
            out.println("result: no violation in the bucket; the ledger was NOT checked (" + unchecked.get() + ")");
        } else if (r.holds()) {
            out.println("result: the invariants hold");
        } else {
            out.printf("result: %s violation%s: the invariants do NOT hold%n", n(r.violations()), r.violations() == 1 ? "" : "s");
        }
    }

    private static void entries(String what, Sample<AuditReport.Entry> s, PrintStream out) {
        if (s.count() == 0) {
            return;
        }
        s.shown().forEach(x -> out.printf("      %-9s %s%s%n", what, Printable.key(x.key()),
                x.detail().isEmpty() ? "" : "  " + x.detail()));
        more(s, out);
    }

    private static void more(Sample<?> s, PrintStream out) {
        long rest = s.count() - s.shown().size();
        if (rest > 0 && !s.shown().isEmpty()) {
            out.printf("      … and %s more (--keys N shows more)%n", n(rest));
        }
    }

    static String count(long v, String noun) {
        return Figures.count(v, noun);
    }

    static String n(long v) {
        return Figures.n(v);
    }

    static String bytes(long b) {
        return Figures.bytes(b);
    }

    static String age(Duration d) {
        return Figures.age(d);
    }
}
