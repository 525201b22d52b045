package dev.s3loader.lister.internal;

import dev.s3loader.model.KeyOrder;
import dev.s3loader.model.ListingPass;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One run's share of a {@link ListingPass}: lists the ranges not yet done in parallel, one thread
 * each, and hands their files to a single consumer (the planner) until every range is done or the
 * run's listing time is up. Whatever the consumer took is this run's progress: each range's cursor
 * becomes the last key taken from it, so the next run resumes exactly there, and what was never
 * taken is listed again. Memory is one bounded hand-over queue, whatever the backlog.
 */
public final class PassListing implements Iterator<ListedFile>, AutoCloseable {
    private static final int HANDOVER = 4096;
    private static final Item END = new Item(-1, null);

    private record Item(int range, ListedFile file) {
    }

    private final ListingPass pass;
    private final long deadlineNanos;
    private final BlockingQueue<Item> queue = new ArrayBlockingQueue<>(HANDOVER);
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final List<Future<?>> producers = new ArrayList<>();
    private final String[] cursors;
    private final Optional<String>[] startedAfter;
    private final boolean[] finished;
    /** Ranges this run listed to their end (not those done by an earlier run of the pass). */
    private final boolean[] listedToEnd;
    private final List<List<String>> samples;
    private final long[] steps;
    private final long[] counts;
    private final long maxFiles;
    private long taken;
    private volatile RuntimeException failure;
    private boolean passCompleted;
    private int running;
    private Item next;

    @SuppressWarnings("unchecked")
    /**
     * @param budget   how long this run may list
     * @param maxFiles how many files this run may take, at most (a bound on one run's work besides time)
     */
    public PassListing(RangeListing listing, ListingPass pass, Duration budget, long maxFiles, ExecutorService threads) {
        this.pass = pass;
        this.maxFiles = maxFiles;
        this.deadlineNanos = System.nanoTime() + Math.min(budget.toNanos(), Long.MAX_VALUE / 4);
        int ranges = pass.ranges();
        this.cursors = pass.cursors().toArray(new String[0]);
        this.startedAfter = new Optional[ranges];
        this.finished = new boolean[ranges];
        this.listedToEnd = new boolean[ranges];
        this.samples = new ArrayList<>();
        this.steps = new long[ranges];
        this.counts = new long[ranges];
        for (int r = 0; r < ranges; r++) {
            samples.add(new ArrayList<>(pass.samples().get(r)));
            steps[r] = pass.steps().get(r);
            startedAfter[r] = pass.resumeAfter(r);
            finished[r] = pass.done(r);
            if (!finished[r]) {
                int range = r;
                running++;
                producers.add(threads.submit(() -> produce(listing, range)));
            }
        }
    }

    private void produce(RangeListing listing, int range) {
        try {
            Iterator<ListedFile> files = listing.files(startedAfter[range], pass.upTo(range));
            while (files.hasNext() && !stopped.get()) {
                if (!hand(new Item(range, files.next()))) {
                    return;
                }
            }
        } catch (RuntimeException e) {
            failure = e;
        }
        hand(new Item(range, null));
    }

    /** Blocks while the consumer is behind; false once the run stopped taking files. */
    private boolean hand(Item item) {
        try {
            while (!stopped.get()) {
                if (queue.offer(item, 100, TimeUnit.MILLISECONDS)) {
                    return true;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    @Override
    public boolean hasNext() {
        while (next == null && running > 0 && !stopped.get()) {
            if (taken >= maxFiles) {
                close();
                break;
            }
            if (failure != null) {
                close();
                throw failure;
            }
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                close();
                break;
            }
            Item item;
            try {
                item = queue.poll(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                close();
                break;
            }
            if (item == null) {
                continue;
            }
            if (item.file() == null) {
                if (failure != null) {
                    close();
                    throw failure;
                }
                finished[item.range()] = true;
                listedToEnd[item.range()] = true;
                running--;
            } else {
                next = item;
            }
        }
        return next != null;
    }

    @Override
    public ListedFile next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        Item item = next;
        next = null;
        taken++;
        int r = item.range();
        String key = item.file().key();
        cursors[r] = key;
        if (++counts[r] % steps[r] == 0) {
            sample(r, key);
        }
        return item.file();
    }

    /** Keeps every steps[r]-th key of range r, at most MAX_SAMPLES: past that, every other one goes and the step doubles. */
    private void sample(int r, String key) {
        List<String> s = samples.get(r);
        s.add(key);
        if (s.size() > ListingPass.MAX_SAMPLES) {
            List<String> kept = new ArrayList<>();
            for (int i = 1; i < s.size(); i += 2) {
                kept.add(s.get(i));
            }
            samples.set(r, kept);
            steps[r] *= 2;
        }
    }

    /** Stops the producers; whatever they still hold is listed again next run. */
    @Override
    public void close() {
        if (stopped.compareAndSet(false, true)) {
            producers.forEach(f -> f.cancel(true));
        }
    }

    /**
     * True when this run listed the place where {@code key} would be: a key in flight that was
     * covered but not listed has left {@code incoming/}. Valid once the iteration ended.
     */
    public boolean covered(String key) {
        int r = rangeOf(key);
        if (pass.done(r)) {
            return false;
        }
        Optional<String> from = startedAfter[r];
        if (from.isPresent() && KeyOrder.compare(key, from.get()) <= 0) {
            return false;
        }
        if (listedToEnd[r]) {
            return true;
        }
        String cursor = cursors[r];
        return !ListingPass.NOT_STARTED.equals(cursor) && !ListingPass.DONE.equals(cursor)
                && KeyOrder.compare(key, cursor) <= 0;
    }

    private int rangeOf(String key) {
        int i = Collections.binarySearch(pass.boundaries(), key, KeyOrder.UTF8);
        // A boundary belongs to the range it closes (upper bounds are inclusive).
        return i >= 0 ? i : -i - 1;
    }

    /**
     * The pass after this run: cursors moved, this run's counts added; once every range is done,
     * a new pass split at the quantiles of the keys seen, into {@code rangesNext} ranges.
     */
    public ListingPass advanced(long files, long bytes, Instant oldest, int rangesNext) {
        List<String> nextCursors = new ArrayList<>();
        for (int r = 0; r < cursors.length; r++) {
            nextCursors.add(finished[r] ? ListingPass.DONE : cursors[r]);
        }
        Instant o = pass.oldest() == null || (oldest != null && oldest.isBefore(pass.oldest())) ? oldest : pass.oldest();
        List<Long> stepList = Arrays.stream(steps).boxed().toList();
        ListingPass after = new ListingPass(pass.boundaries(), nextCursors, pass.files() + files, pass.bytes() + bytes,
                o, samples, stepList, pass.previous());
        if (!after.complete()) {
            return after;
        }
        passCompleted = true;
        return ListingPass.start(quantiles(rangesNext), after.totals());
    }

    /**
     * The key cut before its first character at or above U+D800. Any key then compares with the
     * boundary the same in S3's UTF-8 order and in Java's UTF-16 order (they differ only between
     * U+E000–U+FFFF and the characters beyond U+FFFF), so a range is the same set of keys whichever
     * order a server lists in (S3Proxy, locally, lists in UTF-16 order).
     */
    static String orderSafe(String key) {
        for (int i = 0; i < key.length(); i++) {
            if (key.charAt(i) >= '\uD800') {
                return key.substring(0, i);
            }
        }
        return key;
    }

    /** True once {@link #advanced} found every range listed to its end: this run completed the pass. */
    public boolean passCompleted() {
        return passCompleted;
    }

    /** Boundaries that split the keys seen into {@code ranges} parts of about equal count: each sample stands for its range's step. */
    private List<String> quantiles(int ranges) {
        long total = 0;
        for (int r = 0; r < samples.size(); r++) {
            total += samples.get(r).size() * steps[r];
        }
        List<String> boundaries = new ArrayList<>();
        if (ranges <= 1 || total == 0) {
            return boundaries;
        }
        long seen = 0;
        int nextCut = 1;
        for (int r = 0; r < samples.size() && nextCut < ranges; r++) {
            for (String key : samples.get(r)) {
                seen += steps[r];
                if (seen * ranges >= (long) nextCut * total) {
                    String cut = orderSafe(key);
                    if (boundaries.isEmpty() || KeyOrder.compare(boundaries.getLast(), cut) < 0) {
                        boundaries.add(cut);
                    }
                    nextCut++;
                    if (nextCut >= ranges) {
                        break;
                    }
                }
            }
        }
        return boundaries;
    }
}
