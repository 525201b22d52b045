package dev.s3loader.ops.audit;

import dev.s3loader.clients.S3Objects;
import dev.s3loader.loader.destination.LedgerReader;
import dev.s3loader.model.ErrorReport;
import dev.s3loader.model.InFlight;
import dev.s3loader.model.KeyOrder;
import dev.s3loader.model.Layout;
import dev.s3loader.model.ListerState;
import dev.s3loader.ops.text.Printable;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * Checks the design's invariants on a live bucket (and its ledger): every file in exactly one of
 * incoming/, processed/, failed/ (with its report); each loaded (key, etag) once in the ledger and
 * in processed/. One pass: the stage listings and the ledger are merge-joined by key, so what it
 * holds does not grow with the bucket (the lister's state object aside, which MAX_IN_FLIGHT_FILES
 * bounds). It costs one LIST request per page and prefix, one HEAD per failed file, one GET per
 * failed file shown, and a HEAD per error report only when some report has lost its file.
 */
public final class Audit {
    /** What S3Proxy's filesystem store names a write in progress: {@code <key>-<uuid>}. */
    private static final Pattern PHANTOM = Pattern.compile(
            ".-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$");

    /**
     * @param keysShown   keys named per category in the report (the counts are exact regardless)
     * @param pageSize    keys per LIST request (S3's maximum is 1,000)
     * @param maxAttempts the lister's MAX_ATTEMPTS: an in-flight file dispatched this often is stuck
     * @param requeueAfter the lister's REQUEUE_AFTER_MINUTES
     */
    public record Settings(int keysShown, int pageSize, int maxAttempts, Duration requeueAfter) {
    }

    private final S3Client s3;
    private final String bucket;
    private final Layout layout;
    private final Optional<LedgerReader> ledger;
    private final Settings settings;
    private final Clock clock;

    public Audit(S3Client s3, String bucket, Layout layout, Optional<LedgerReader> ledger, Settings settings, Clock clock) {
        this.s3 = s3;
        this.bucket = bucket;
        this.layout = layout;
        this.ledger = ledger;
        this.settings = settings;
        this.clock = clock;
    }

    public AuditReport run() {
        AuditReport report = new AuditReport(bucket, ledger.map(LedgerReader::describe), clock.instant(), settings.keysShown());
        try {
            Map<String, InFlight> state = state(report);
            report.stateEntries = state.size();
            // Partitioned, processed/ is not listed in relative-key order: merge its partitions instead.
            StageStream processed = layout.partitioned() ? new ProcessedListing(s3, bucket, layout, settings.pageSize())
                    : listing(layout.processed());
            StageJoin join = new StageJoin(listing(layout.incoming()), processed, listing(layout.failed()),
                    ledger.map(l -> new StageJoin.LedgerRows(l.rowsInKeyOrder(), layout.incoming()))
                            .orElseGet(StageJoin.LedgerRows::none));
            long failedWithReport = 0;
            while (join.hasNext()) {
                KeyRow row = join.next();
                failedWithReport += check(row, state, report);
            }
            report.peakJoinEntries = join.peakHeld();
            report.count(FindingKind.LEDGER_ROW_OUTSIDE_INCOMING, join.ledgerRowsOutsideIncoming());
            reports(failedWithReport, report);
        } catch (SdkException e) {
            throw new AuditException("cannot read s3://" + bucket + ": " + e.getMessage(), e);
        }
        return report;
    }

    /** @return 1 when the row is a failed file whose report exists */
    private int check(KeyRow listed, Map<String, InFlight> state, AuditReport report) {
        notePhantoms(listed, report);
        KeyRow row = listed;
        String incomingKey = layout.incoming() + row.relative();
        Optional<InFlight> dispatched = row.incoming()
                .flatMap(i -> Optional.ofNullable(state.get(incomingKey)).filter(f -> f.etag().equals(i.etag())));
        row.incoming().ifPresent(i -> backlog(i, dispatched, report));
        for (StageObject p : row.allProcessed()) {
            report.processedFiles++;
            report.processedBytes += p.size();
            if (layout.partitioned() && layout.relativeOfProcessed(p.key()).isEmpty()) {
                report.find(FindingKind.PROCESSED_OUTSIDE_TEMPLATE, p.key(), "");
            }
        }
        processedTwice(row, incomingKey, report);
        boolean loaded = !row.ledgerEtags().isEmpty();
        placement(row, dispatched, report);
        if (ledger.isPresent()) {
            ledgerRows(row, incomingKey, report);
        }
        if (row.failed().isEmpty()) {
            return 0;
        }
        if (loaded && row.ledgerEtags().contains(row.failed().get().etag())) {
            report.find(FindingKind.LOADED_FILE_IN_FAILED, row.failed().get().key(),
                    "the ledger holds etag " + row.failed().get().etag());
        }
        return failed(row.failed().get(), incomingKey, report);
    }

    /**
     * One version in processed/ once. A producer's new version of a key may land under another
     * partition than the old one (each version's own date): distinct etags are distinct versions,
     * each loaded once. The same etag under two partitions is the same bytes moved twice.
     */
    private void processedTwice(KeyRow row, String incomingKey, AuditReport report) {
        if (row.moreProcessed().isEmpty()) {
            return;
        }
        Map<String, List<String>> byEtag = new java.util.LinkedHashMap<>();
        row.allProcessed().forEach(p -> byEtag.computeIfAbsent(p.etag(), e -> new java.util.ArrayList<>()).add(p.key()));
        byEtag.forEach((etag, keys) -> {
            if (keys.size() > 1) {
                report.find(FindingKind.PROCESSED_TWICE, incomingKey, "etag " + etag + " at "
                        + keys.stream().map(Printable::key).collect(java.util.stream.Collectors.joining(", ")));
            }
        });
    }

    /**
     * A name shaped like an unfinished S3Proxy write is noted; it still counts as a file in every
     * other check, since a producer may name a file so (the embedded server hides real unfinished writes).
     */
    private static void notePhantoms(KeyRow row, AuditReport report) {
        Stream.concat(Stream.of(row.incoming(), row.failed()).flatMap(Optional::stream), row.allProcessed().stream())
                .filter(Audit::phantom)
                .forEach(o -> report.find(FindingKind.PHANTOM_OBJECT, o.key(), ""));
    }

    private static boolean phantom(StageObject o) {
        return PHANTOM.matcher(o.key()).find();
    }

    private void backlog(StageObject file, Optional<InFlight> dispatched, AuditReport report) {
        report.incomingFiles++;
        report.incomingBytes += file.size();
        if (file.lastModified() != null && (report.oldestIncoming == null || file.lastModified().isBefore(report.oldestIncoming))) {
            report.oldestIncoming = file.lastModified();
        }
        if (dispatched.isEmpty()) {
            report.waiting++;
            return;
        }
        InFlight f = dispatched.get();
        String detail = f.attempts() + (f.attempts() == 1 ? " dispatch" : " dispatches") + ", last " + f.enqueuedAt();
        boolean requeueDue = !Duration.between(f.enqueuedAt(), report.at).minus(settings.requeueAfter()).isNegative();
        if (f.attempts() >= settings.maxAttempts() && requeueDue) {
            report.stuck.add(new AuditReport.Entry(file.key(), detail));
        } else {
            report.inFlight.add(new AuditReport.Entry(file.key(), detail));
        }
    }

    /**
     * One file version in one place. A key in incoming/ with another etag than its copy in
     * processed/ or failed/ is a new version dropped after the old one left: backlog, not a
     * duplicate. A version the ledger holds counts as that version wherever it is.
     */
    private void placement(KeyRow row, Optional<InFlight> dispatched, AuditReport report) {
        if (row.places() < 2) {
            return;
        }
        List<StageObject> left = Stream.concat(row.allProcessed().stream(), row.failed().stream()).toList();
        boolean leftTwice = row.failed().isPresent()
                && row.allProcessed().stream().anyMatch(p -> p.etag().equals(row.failed().get().etag()));
        boolean stillIncoming = row.incoming().map(in -> left.stream().anyMatch(o -> o.etag().equals(in.etag()))
                || row.ledgerEtags().contains(in.etag())).orElse(false);
        if (!leftTwice && !stillIncoming) {
            return;
        }
        String where = ((row.incoming().isPresent() ? "incoming " : "") + (row.processed().isPresent() ? "processed " : "")
                + (row.failed().isPresent() ? "failed" : "")).trim();
        String key = layout.incoming() + row.relative();
        if (!leftTwice && dispatched.isPresent()) {
            report.find(FindingKind.MOVING, key, where);
        } else {
            report.find(FindingKind.KEY_IN_TWO_PLACES, key, where + " (same version)");
        }
    }

    private void ledgerRows(KeyRow row, String incomingKey, AuditReport report) {
        List<String> etags = row.ledgerEtags();
        report.ledgerRows += etags.size();
        if (etags.isEmpty()) {
            row.allProcessed().forEach(p -> report.find(FindingKind.PROCESSED_WITHOUT_LEDGER_ROW, p.key(), ""));
            return;
        }
        long distinct = etags.stream().distinct().count();
        if (distinct < etags.size()) {
            etags.stream().distinct().filter(e -> etags.stream().filter(e::equals).count() > 1)
                    .forEach(e -> report.find(FindingKind.LEDGER_DUPLICATE, incomingKey,
                            "etag " + e + " x" + etags.stream().filter(e::equals).count()));
        }
        if (distinct > 1) {
            report.find(FindingKind.LOADED_SEVERAL_VERSIONS, incomingKey, distinct + " etags");
        }
        if (row.processed().isPresent() || row.failed().isPresent()) {
            return;
        }
        if (row.incoming().isPresent()) {
            if (etags.contains(row.incoming().get().etag())) {
                report.find(FindingKind.LOADED_AWAITING_MOVE, incomingKey, "");
            }
            return;
        }
        report.find(FindingKind.LEDGER_ROW_WITHOUT_PROCESSED_FILE, incomingKey, "etag(s) " + String.join(", ", etags));
    }

    /** @return 1 when its report exists */
    private int failed(StageObject file, String incomingKey, AuditReport report) {
        String reportKey = layout.errorReportKey(incomingKey);
        boolean shown = report.failed.count() < settings.keysShown();
        if (shown) {
            Optional<String> reason = reason(reportKey);
            report.failed.add(new AuditReport.Entry(file.key(), reason.orElse("(no error report at " + reportKey + ")")));
            if (reason.isEmpty()) {
                report.find(FindingKind.FAILED_WITHOUT_REPORT, file.key(), "expected " + reportKey);
                return 0;
            }
            return 1;
        }
        report.failed.add(new AuditReport.Entry(file.key(), ""));
        if (!S3Objects.exists(s3, bucket, reportKey)) {
            report.find(FindingKind.FAILED_WITHOUT_REPORT, file.key(), "expected " + reportKey);
            return 0;
        }
        return 1;
    }

    /**
     * Counts the reports; only when there are more than failed files that have one does it look
     * at each report to name those whose file is gone.
     */
    private void reports(long failedWithReport, AuditReport report) {
        StageListing all = listing(layout.reportsPrefix());
        while (all.hasNext()) {
            all.next();
            report.errorReports++;
        }
        if (report.errorReports <= failedWithReport) {
            return;
        }
        StageListing reports = listing(layout.reportsPrefix());
        while (reports.hasNext()) {
            StageObject r = reports.next();
            Optional<String> incomingKey = layout.reportedIncomingKey(r.key()).or(() -> readReport(r.key()).map(ErrorReport::key));
            boolean fileThere = incomingKey.filter(layout::isIncoming).flatMap(layout::failedKey).map(k -> S3Objects.exists(s3, bucket, k)).orElse(false);
            if (!fileThere) {
                report.find(FindingKind.REPORT_WITHOUT_FAILED_FILE, r.key(), incomingKey.map(k -> "for " + Printable.key(k)).orElse(""));
            }
        }
    }

    private Optional<String> reason(String reportKey) {
        return readReport(reportKey).map(ErrorReport::reason);
    }

    private Optional<ErrorReport> readReport(String key) {
        String text;
        try {
            text = s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asUtf8String();
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        }
        try {
            return Optional.of(ErrorReport.fromJson(text));
        } catch (IllegalArgumentException | java.time.format.DateTimeParseException e) {
            return Optional.of(new ErrorReport("", "", null, "(unreadable report: " + e.getMessage() + ")", 0,
                    Instant.EPOCH, Map.of()));
        }
    }

    /** The lister's in-flight set; none yet (or unreadable, as the lister treats it) is empty. */
    private Map<String, InFlight> state(AuditReport report) {
        try (var in = s3.getObject(b -> b.bucket(bucket).key(layout.listerStateKey()))) {
            return new HashMap<>(ListerState.decode(in).entries());
        } catch (NoSuchKeyException e) {
            return Map.of();
        } catch (UncheckedIOException | IllegalArgumentException e) {
            report.find(FindingKind.LISTER_STATE_UNREADABLE, layout.listerStateKey(), e.getMessage());
            return Map.of();
        } catch (java.io.IOException e) {
            throw new AuditException("cannot read the lister state " + layout.listerStateKey() + ": " + e.getMessage(), e);
        }
    }

    private StageListing listing(String prefix) {
        return new StageListing(s3, bucket, prefix, settings.pageSize());
    }
}
