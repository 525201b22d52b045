package dev.s3loader.ops.repair;

import dev.s3loader.lister.StuckRule;
import dev.s3loader.clients.S3Objects;
import dev.s3loader.model.InFlight;
import dev.s3loader.model.Layout;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Resets the attempts of stuck files: removes their entries from the lister's state, so that the
 * next lister run finds them not in flight and dispatches them as new files. Stuck is the lister's
 * own rule ({@link StuckRule}): the version in {@code incoming/} is the one in
 * flight, dispatched {@code MAX_ATTEMPTS} times, the last time at least {@code REQUEUE_AFTER} ago.
 */
public final class Unstick {
    /** How a named or found entry stands. */
    public enum Kind {
        STUCK("stuck"),
        IN_FLIGHT("not stuck: in flight within its attempts; the lister sends it again if its message is lost"),
        NOT_IN_INCOMING("not stuck: its file is no longer in incoming/ (the next lister run forgets it)"),
        NEW_VERSION("not stuck: incoming/ holds a newer version, which the next lister run dispatches");

        public final String why;

        Kind(String why) {
            this.why = why;
        }
    }

    public record Entry(String key, InFlight inFlight, Kind kind) {
    }

    /** What unstick would reset ({@code stuck}), what it leaves ({@code others}) and names it does not know. */
    public record Plan(List<Entry> stuck, List<Entry> others, List<String> unknown) {
    }

    private final S3Client s3;
    private final String bucket;
    private final Layout layout;
    private final ListerStateEditor state;
    private final StuckRule rule;
    private final Clock clock;

    public Unstick(S3Client s3, String bucket, Layout layout, ListerStateEditor state, StuckRule rule, Clock clock) {
        this.s3 = s3;
        this.bucket = bucket;
        this.layout = layout;
        this.state = state;
        this.rule = rule;
        this.clock = clock;
    }

    /** Every stuck entry of the state. */
    public Plan planAll() {
        Instant now = clock.instant();
        List<Entry> stuck = new ArrayList<>();
        for (Map.Entry<String, InFlight> e : state.read().entrySet()) {
            // The state alone rules most entries out; only the rest cost a HEAD of their file.
            if (rule.isStuck(e.getValue(), e.getValue().etag(), now)) {
                Entry classified = classify(e.getKey(), e.getValue(), now);
                if (classified.kind() == Kind.STUCK) {
                    stuck.add(classified);
                }
            }
        }
        return new Plan(stuck, List.of(), List.of());
    }

    /** The named keys: full keys ({@code incoming/a.csv}) or relative to incoming/ ({@code a.csv}). */
    public Plan plan(List<String> keys) {
        Instant now = clock.instant();
        NavigableMap<String, InFlight> entries = state.read();
        List<Entry> stuck = new ArrayList<>();
        List<Entry> others = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        for (String given : keys) {
            Optional<String> key = entries.containsKey(given) ? Optional.of(given)
                    : entries.containsKey(layout.incoming() + given) ? Optional.of(layout.incoming() + given) : Optional.empty();
            if (key.isEmpty()) {
                unknown.add(given);
                continue;
            }
            Entry e = classify(key.get(), entries.get(key.get()), now);
            (e.kind() == Kind.STUCK ? stuck : others).add(e);
        }
        return new Plan(stuck, others, unknown);
    }

    /**
     * Removes the stuck entries of the plan that are still as planned (a lister run in between may
     * have changed one: that entry is left to it). Conditional write, retried on conflict.
     *
     * @return the entries removed
     */
    public List<Entry> apply(Plan plan) {
        List<Entry> removed = new ArrayList<>();
        state.edit(entries -> {
            removed.clear();
            for (Entry e : plan.stuck()) {
                if (e.inFlight().equals(entries.get(e.key()))) {
                    entries.remove(e.key());
                    removed.add(e);
                }
            }
        });
        return removed;
    }

    private Entry classify(String key, InFlight entry, Instant now) {
        Optional<String> etag = etagInIncoming(key);
        if (etag.isEmpty()) {
            return new Entry(key, entry, Kind.NOT_IN_INCOMING);
        }
        if (!etag.get().equals(entry.etag())) {
            return new Entry(key, entry, Kind.NEW_VERSION);
        }
        return new Entry(key, entry, rule.isStuck(entry, etag.get(), now) ? Kind.STUCK : Kind.IN_FLIGHT);
    }

    private Optional<String> etagInIncoming(String key) {
        try {
            return Optional.of(s3.headObject(b -> b.bucket(bucket).key(key)).eTag());
        } catch (S3Exception e) {
            if (S3Objects.missingKey(e)) {
                return Optional.empty();
            }
            throw e;
        }
    }
}
