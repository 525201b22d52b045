package dev.s3loader.bench;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Latencies in milliseconds, in logarithmic buckets 2% wide: percentiles within 2% whatever the
 * number of files, in a fixed few kilobytes (no per-file array). Thread-safe and lock-free.
 */
public final class LatencyHistogram {
    private static final double GROWTH = 1.02;
    private static final int BUCKETS = 1200; // 1.02^1200 ms is far beyond any run
    private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);

    public void record(long millis) {
        counts.incrementAndGet(bucket(Math.max(0, millis)));
    }

    public long count() {
        long n = 0;
        for (int i = 0; i < BUCKETS; i++) {
            n += counts.get(i);
        }
        return n;
    }

    /** The latency at quantile q (0..1) in ms, the upper edge of its bucket; -1 when nothing was recorded. */
    public long percentile(double q) {
        long n = count();
        if (n == 0) {
            return -1;
        }
        long rank = Math.max(1, (long) Math.ceil(q * n));
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += counts.get(i);
            if (seen >= rank) {
                return upperEdge(i);
            }
        }
        return upperEdge(BUCKETS - 1);
    }

    static int bucket(long millis) {
        if (millis < 1) {
            return 0;
        }
        int b = 1 + (int) Math.floor(Math.log(millis) / Math.log(GROWTH));
        return Math.min(b, BUCKETS - 1);
    }

    static long upperEdge(int bucket) {
        return bucket == 0 ? 0 : (long) Math.ceil(Math.pow(GROWTH, bucket));
    }
}
