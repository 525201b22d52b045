package dev.s3loader.lister.bench;

import dev.s3loader.model.KeyOrder;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongFunction;

/**
 * N object keys made up on the fly from their index, never held in memory: key(i) rises with i
 * in S3's (UTF-8) order, so a key's place in the listing is a binary search away. Objects the
 * benchmark's fleet has "moved out" are one bit each; everything else is computed.
 */
public final class SyntheticKeys {
    /** The object's mtime: one millisecond apart in key order, so the oldest are the first listed. */
    static final Instant BASE = Instant.parse("2026-01-01T00:00:00Z");

    private final long count;
    private final LongFunction<String> key;
    private final AtomicLongArray removed;
    private final AtomicLong removedCount = new AtomicLong();

    private SyntheticKeys(long count, LongFunction<String> key) {
        if (count < 0 || count > Integer.MAX_VALUE * 64L) {
            throw new IllegalArgumentException("count out of range: " + count);
        }
        this.count = count;
        this.key = key;
        this.removed = new AtomicLongArray((int) ((count + 63) / 64));
    }

    /** {@code prefix} + a zero-padded number + ".csv": evenly spread. */
    public static SyntheticKeys uniform(String prefix, long count) {
        return new SyntheticKeys(count, i -> prefix + padded(i) + ".csv");
    }

    /**
     * A skewed shape like a producer's date folders: the first 10% spread over 29 day folders, the
     * other 90% all under the last day, sharing one long prefix (ranges cut evenly by key space
     * would be badly uneven; cut at quantiles they are not).
     */
    public static SyntheticKeys dated(String prefix, long count) {
        return new SyntheticKeys(count, i -> {
            long tenth = Math.max(1, count / 10);
            int day = i < tenth ? 1 + (int) (i * 29 / tenth) : 30;
            return prefix + "2026-11-" + (day < 10 ? "0" : "") + day + "/producer-7/part-" + padded(i) + ".csv";
        });
    }

    /** Ten digits, zero-padded (String.format would cost more than the rest of a key's listing). */
    static String padded(long i) {
        String digits = Long.toString(i);
        return "0000000000".substring(Math.min(10, digits.length())) + digits;
    }

    public static SyntheticKeys of(String shape, String prefix, long count) {
        return switch (shape) {
            case "uniform" -> uniform(prefix, count);
            case "dated" -> dated(prefix, count);
            default -> throw new IllegalArgumentException("key shape must be uniform or dated, not " + shape);
        };
    }

    public long count() {
        return count;
    }

    public String key(long i) {
        return key.apply(i);
    }

    public String etag(long i) {
        return String.format("\"%032x\"", i * 0x9E3779B97F4A7C15L & Long.MAX_VALUE);
    }

    public long size(long i) {
        return 1024 + i % 1000;
    }

    public Instant lastModified(long i) {
        return BASE.plusMillis(i);
    }

    /** The first index whose key is greater than {@code after} ({@code count} if none). */
    public long firstAfter(String after) {
        long lo = 0;
        long hi = count;
        while (lo < hi) {
            long mid = (lo + hi) >>> 1;
            if (KeyOrder.compare(key(mid), after) <= 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** The first index whose key is at least {@code from}. */
    public long firstAtLeast(String from) {
        long lo = 0;
        long hi = count;
        while (lo < hi) {
            long mid = (lo + hi) >>> 1;
            if (KeyOrder.compare(key(mid), from) < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** The index of {@code key}, or -1 if it is none of these keys. */
    public long indexOf(String key) {
        long i = firstAtLeast(key);
        return i < count && key(i).equals(key) ? i : -1;
    }

    /** The first index at or after {@code from} whose object is still there ({@code count} if none). */
    public long nextPresent(long from) {
        for (long i = from; i < count; ) {
            long word = removed.get((int) (i >>> 6));
            long free = ~word & (-1L << (i & 63));
            if (free != 0) {
                long found = (i & ~63L) + Long.numberOfTrailingZeros(free);
                return Math.min(found, count);
            }
            i = (i | 63) + 1;
        }
        return count;
    }

    /** Moves object i out (as a loader would); true the first time. */
    public boolean remove(long i) {
        int w = (int) (i >>> 6);
        long bit = 1L << (i & 63);
        while (true) {
            long old = removed.get(w);
            if ((old & bit) != 0) {
                return false;
            }
            if (removed.compareAndSet(w, old, old | bit)) {
                removedCount.incrementAndGet();
                return true;
            }
        }
    }

    public boolean present(long i) {
        return (removed.get((int) (i >>> 6)) & (1L << (i & 63))) == 0;
    }

    /** Objects still there. */
    public long remaining() {
        return count - removedCount.get();
    }
}
