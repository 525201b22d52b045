package dev.s3loader.bench;

import dev.s3loader.ops.Progress;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The bare mover the pipeline is measured against: one thread streams the listing of incoming/,
 * {@code threads} workers CopyObject each file to processed/ and DeleteObject the source. No
 * queue, no ledger, no conditional copy: what a hand-written SDK v2 loop does.
 */
final class SdkLoopPeer {
    private final S3Client s3;
    private final int threads;

    SdkLoopPeer(S3Client s3, int threads) {
        this.s3 = s3;
        this.threads = threads;
    }

    record Result(long moved, double seconds, LatencyHistogram latency) {
    }

    Result move(String bucket, long expected, BacklogTrace trace) {
        LatencyHistogram latency = new LatencyHistogram();
        AtomicLong moved = new AtomicLong();
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        // A bounded hand-off: the listing waits for the workers, so memory stays flat.
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(threads * 32), new ThreadPoolExecutor.CallerRunsPolicy());
        long start = System.nanoTime();
        try (Progress progress = Progress.onStderr("sdk loop", expected);
             ProgressSampler sampler = new ProgressSampler(trace, start, () -> expected - moved.get())) {
            for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix("incoming/")).contents()) {
                if (failure.get() != null) {
                    break;
                }
                String key = o.key();
                pool.execute(() -> {
                    try {
                        String target = "processed/" + key.substring("incoming/".length());
                        s3.copyObject(b -> b.sourceBucket(bucket).sourceKey(key).destinationBucket(bucket).destinationKey(target));
                        s3.deleteObject(b -> b.bucket(bucket).key(key));
                        latency.record((System.nanoTime() - start) / 1_000_000);
                        moved.incrementAndGet();
                        progress.advance(1);
                    } catch (RuntimeException e) {
                        failure.compareAndSet(null, e);
                    }
                });
            }
            pool.shutdown();
            Seeder.awaitQuietly(pool);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        trace.finish(seconds, expected - moved.get());
        if (failure.get() != null) {
            throw new IllegalStateException("the SDK loop failed: " + failure.get().getMessage(), failure.get());
        }
        return new Result(moved.get(), seconds, latency);
    }
}
