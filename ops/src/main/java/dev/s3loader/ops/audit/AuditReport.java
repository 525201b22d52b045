package dev.s3loader.ops.audit;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * What an audit found: exact counts, and for each category the first keys (up to the limit it was
 * run with). {@link #holds()} is true when no finding is a violation.
 */
public final class AuditReport {
    /** A key and what the audit knows about it (a reason, attempts, which stages). */
    public record Entry(String key, String detail) {
    }

    final String bucket;
    final Optional<String> ledger;
    final Instant at;
    long incomingFiles;
    long incomingBytes;
    Instant oldestIncoming;
    final Sample<Entry> inFlight;
    final Sample<Entry> stuck;
    long waiting;
    long processedFiles;
    long processedBytes;
    final Sample<Entry> failed;
    long errorReports;
    long ledgerRows;
    int stateEntries;
    int peakJoinEntries;
    final Map<FindingKind, Sample<Entry>> findings = new EnumMap<>(FindingKind.class);
    private final int limit;

    AuditReport(String bucket, Optional<String> ledger, Instant at, int limit) {
        this.bucket = bucket;
        this.ledger = ledger;
        this.at = at;
        this.limit = limit;
        this.inFlight = new Sample<>(limit);
        this.stuck = new Sample<>(limit);
        this.failed = new Sample<>(limit);
    }

    void find(FindingKind kind, String key, String detail) {
        findings.computeIfAbsent(kind, k -> new Sample<>(limit)).add(new Entry(key, detail));
    }

    void count(FindingKind kind, long n) {
        if (n > 0) {
            findings.computeIfAbsent(kind, k -> new Sample<>(limit)).addUnnamed(n);
        }
    }

    public boolean holds() {
        return findings.entrySet().stream().noneMatch(e -> e.getKey().violation() && e.getValue().count() > 0);
    }

    public long violations() {
        return findings.entrySet().stream().filter(e -> e.getKey().violation()).mapToLong(e -> e.getValue().count()).sum();
    }

    public String bucket() {
        return bucket;
    }

    public Optional<String> ledger() {
        return ledger;
    }

    public Instant at() {
        return at;
    }

    public long incomingFiles() {
        return incomingFiles;
    }

    public long incomingBytes() {
        return incomingBytes;
    }

    public Optional<Duration> oldestIncomingAge() {
        return Optional.ofNullable(oldestIncoming).map(o -> Duration.between(o, at).isNegative() ? Duration.ZERO : Duration.between(o, at));
    }

    public Sample<Entry> inFlight() {
        return inFlight;
    }

    public Sample<Entry> stuck() {
        return stuck;
    }

    /** Files in incoming/ not dispatched: the lister sends them when there is room. */
    public long waiting() {
        return waiting;
    }

    public long processedFiles() {
        return processedFiles;
    }

    public long processedBytes() {
        return processedBytes;
    }

    /** Files in failed/, the first ones with the reason from their report. */
    public Sample<Entry> failed() {
        return failed;
    }

    public long errorReports() {
        return errorReports;
    }

    public long ledgerRows() {
        return ledgerRows;
    }

    /** Entries of the lister's in-flight state object (bounded by MAX_IN_FLIGHT_FILES). */
    public int stateEntries() {
        return stateEntries;
    }

    /** The most listed objects and ledger rows the merge join held at once: flat, whatever the bucket holds. */
    public int peakJoinEntries() {
        return peakJoinEntries;
    }

    /** Every category found, in the order of {@link FindingKind}. */
    public Map<FindingKind, Sample<Entry>> findings() {
        return java.util.Collections.unmodifiableMap(findings);
    }
}
