package dev.s3loader.model;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where the lister is in one pass over {@code incoming/}, kept in its state between runs, so that a
 * backlog too large to list in one run is listed over several, dispatching as it goes.
 *
 * <p>The key space is split into ranges at {@code boundaries} (range i holds the keys k with
 * {@code boundaries[i-1] < k <= boundaries[i]}; the first range is open below, the last above), which
 * are listed in parallel. The boundaries are quantiles of the previous pass's keys, so ranges stay
 * even whatever shape the keys have. A range's {@code cursor} is the last key of it listed so far
 * ({@link #NOT_STARTED} before any, {@link #DONE} once listed to its end).
 *
 * @param files    files counted so far in this pass; with {@code bytes} and {@code oldest}, the backlog once the pass ends
 * @param samples  per range, every {@code steps[i]}-th key listed so far: the next pass's boundaries come from them
 * @param previous the totals of the last complete pass, published while this one is under way
 */
public record ListingPass(List<String> boundaries, List<String> cursors, long files, long bytes, Instant oldest,
                          List<List<String>> samples, List<Long> steps, Totals previous) {
    public static final String NOT_STARTED = "";
    /** A lone surrogate: no key can equal it, since S3 keys are valid UTF-8 and decode to paired surrogates only. */
    public static final String DONE = "\uD800";
    /** Samples kept per range, at most; past it every other one is dropped and the step doubles. */
    public static final int MAX_SAMPLES = 64;

    /** A complete pass's backlog. */
    public record Totals(long files, long bytes, Instant oldest) {
        public static final Totals NONE = new Totals(0, 0, null);
    }

    public ListingPass {
        boundaries = List.copyOf(boundaries);
        cursors = List.copyOf(cursors);
        samples = samples.stream().map(List::copyOf).toList();
        steps = List.copyOf(steps);
        if (cursors.size() != boundaries.size() + 1 || samples.size() != cursors.size() || steps.size() != cursors.size()) {
            throw new IllegalArgumentException("a pass has one cursor, sample list and step per range");
        }
    }

    /** A new pass over the ranges split at {@code boundaries}. */
    public static ListingPass start(List<String> boundaries, Totals previous) {
        int ranges = boundaries.size() + 1;
        List<String> cursors = new ArrayList<>();
        List<List<String>> samples = new ArrayList<>();
        List<Long> steps = new ArrayList<>();
        for (int i = 0; i < ranges; i++) {
            cursors.add(NOT_STARTED);
            samples.add(List.of());
            steps.add(1L);
        }
        return new ListingPass(boundaries, cursors, 0, 0, null, samples, steps, previous);
    }

    public int ranges() {
        return cursors.size();
    }

    /** The lower bound of range i, exclusive; empty for the first range. */
    public Optional<String> after(int range) {
        return range == 0 ? Optional.empty() : Optional.of(boundaries.get(range - 1));
    }

    /** The upper bound of range i, inclusive; empty for the last range. */
    public Optional<String> upTo(int range) {
        return range == boundaries.size() ? Optional.empty() : Optional.of(boundaries.get(range));
    }

    public boolean done(int range) {
        return DONE.equals(cursors.get(range));
    }

    public boolean complete() {
        return cursors.stream().allMatch(DONE::equals);
    }

    /** Where range i's listing resumes: after its cursor, or after its lower bound if not started. */
    public Optional<String> resumeAfter(int range) {
        String c = cursors.get(range);
        return NOT_STARTED.equals(c) ? after(range) : Optional.of(c);
    }

    /** The totals of this pass once complete. */
    public Totals totals() {
        return new Totals(files, bytes, oldest);
    }
}
