package dev.s3loader.bench;

import dev.s3loader.local.LocalRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * scripts/bench-latency: drop → processed latency of single files on the local pipeline (in-memory
 * servers, copy destination), without and with the event fast path, in the same run. Files are
 * dropped one at a time at random moments over three lister intervals, so that without events a
 * file waits a uniformly random part of the interval; processed/ is listed every 100 ms, which
 * bounds the resolution. Prints p50, p99 and max per mode and the ratio of the p50s.
 */
public final class LatencyBench {
    private LatencyBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = options(args);
        int files = Integer.parseInt(opts.getOrDefault("files", "60"));
        int interval = Integer.parseInt(opts.getOrDefault("list-interval", "5"));
        List<String> modes = List.of(opts.getOrDefault("modes", "off,on").split(","));
        System.out.printf("drop → processed latency, %d files a mode, lister every %d s, copy destination, 4 pollers"
                + " (batching window 1 s),"
                + " processed/ polled every 100 ms (shared machine: figures are noisy)%n", files, interval);
        Map<String, long[]> results = new HashMap<>();
        for (String mode : modes) {
            long[] ms = run("on".equals(mode), files, Duration.ofSeconds(interval));
            results.put(mode, ms);
            System.out.printf("event fast path %-3s  p50 %6d ms  p99 %6d ms  max %6d ms  (n=%d)%n", mode,
                    percentile(ms, 50), percentile(ms, 99), ms[ms.length - 1], ms.length);
        }
        if (results.containsKey("on") && results.containsKey("off")) {
            System.out.printf("p50 without / with the fast path: %.1f×%n",
                    (double) percentile(results.get("off"), 50) / Math.max(1, percentile(results.get("on"), 50)));
        }
    }

    private static long[] run(boolean fastPath, int files, Duration interval) throws Exception {
        Path metrics = Files.createTempDirectory("bench-latency");
        Map<String, String> env = new HashMap<>(Map.of("EVENT_FAST_PATH", Boolean.toString(fastPath), "POLLERS", "4",
                "BATCH_SIZE", "10", "WAIT_TIME_SECONDS", "1"));
        try (LocalRuntime rt = new LocalRuntime(new LocalRuntime.Options(null, 0, 0, 0, "bench-latency", interval, metrics),
                env)) {
            S3Client s3 = rt.s3();
            Random random = new Random(42);
            long window = interval.toMillis() * 3;
            List<Long> offsets = new ArrayList<>();
            for (int i = 0; i < files; i++) {
                offsets.add((long) random.nextInt((int) window));
            }
            Collections.sort(offsets);
            Map<String, Long> dropped = new HashMap<>();
            Map<String, Long> latency = new HashMap<>();
            long start = System.nanoTime();
            int next = 0;
            long deadline = start + Duration.ofMinutes(5).toNanos();
            while (latency.size() < files && System.nanoTime() < deadline) {
                long now = (System.nanoTime() - start) / 1_000_000;
                while (next < files && offsets.get(next) <= now) {
                    String key = "f-" + next + ".csv";
                    s3.putObject(b -> b.bucket(rt.bucket()).key("incoming/" + key), RequestBody.fromString("x"));
                    dropped.put(key, System.nanoTime());
                    next++;
                }
                for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(rt.bucket()).prefix("processed/")).contents()) {
                    String key = o.key().substring("processed/".length());
                    if (dropped.containsKey(key) && !latency.containsKey(key)) {
                        latency.put(key, (System.nanoTime() - dropped.get(key)) / 1_000_000);
                    }
                }
                Thread.sleep(100);
            }
            if (latency.size() < files) {
                throw new IllegalStateException("only " + latency.size() + " of " + files + " files processed in 5 minutes");
            }
            return latency.values().stream().mapToLong(Long::longValue).sorted().toArray();
        }
    }

    static long percentile(long[] sorted, int p) {
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> m = new HashMap<>();
        for (String a : args) {
            if (!a.startsWith("--") || !a.contains("=")) {
                throw new IllegalArgumentException("usage: scripts/bench-latency [--files=N] [--list-interval=S] [--modes=off,on]; got " + a);
            }
            m.put(a.substring(2, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
        }
        return m;
    }
}
