package dev.s3loader.lister.bench;

import dev.s3loader.lister.ListerService;
import dev.s3loader.lister.Backlog;
import dev.s3loader.model.ListerState;
import dev.s3loader.model.ListingPass;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Measures the real lister against the paging S3 endpoint (see scripts/bench-lister): for each
 * number of ranges and page latency, from a fresh state over N waiting files, runs of bounded
 * listing time until the learning pass (one range: no quantiles yet) and the passes after it
 * (over LIST_RANGES ranges) are complete. Prints, per run and per pass, keys listed and planned
 * per second, the runs a pass took, whether every run dispatched while files waited, and the heap.
 * It prints figures and asserts nothing.
 */
public final class ListerBench {
    /** @param idle sent nothing while files waited that were not in flight and there was room for them */
    private record Run(int pass, int ranges, long listed, int enqueued, boolean idle, double seconds) {
    }

    private record PassFigures(int pass, int ranges, int runs, long listed, double seconds, int idleRuns) {
        double rate() {
            return listed / seconds;
        }
    }

    public static void main(String[] args) throws Exception {
        long files = Long.getLong("files", 1_000_000);
        int[] ranges = ints(System.getProperty("ranges", "1,16"));
        int[] latencies = ints(System.getProperty("latencyMs", "0,50"));
        long listForMs = Long.getLong("listForMs", Math.max(2_000, 60_000 * files / 10_000_000));
        String shape = System.getProperty("keys", "uniform");
        int maxInFlight = Integer.getInteger("maxInFlight", 100_000);
        boolean fleet = !"none".equals(System.getProperty("fleet", "instant"));
        int passes = Integer.getInteger("passes", 2);
        boolean warm = Boolean.getBoolean("warm");
        Logger.getLogger("dev.s3loader").setLevel(Level.WARNING);
        // The heap may run out in a server or sender thread, where main would never hear of it.
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> {
            if (e instanceof OutOfMemoryError) {
                System.out.printf("OUT OF MEMORY in thread %s: the benchmark (lister and both endpoints in one JVM) did not"
                        + " complete within -Xmx %d MiB%n", thread.getName(), Runtime.getRuntime().maxMemory() >> 20);
                Runtime.getRuntime().halt(3);
            }
        });

        System.out.printf(Locale.ROOT, "lister bench: %,d waiting files (%s keys), MAX_IN_FLIGHT_FILES=%,d, a run lists for at most %.1f s,"
                        + " %s, fleet: %s; JVM: %d cores, -Xmx %d MiB, GC %s%n",
                files, shape, maxInFlight, listForMs / 1000.0,
                warm ? "warm state (the first pass already split at quantiles)" : "fresh state (the first pass is one range)",
                fleet ? "instant (each message sent is loaded at once: its file leaves incoming/, the queue stays empty)"
                        : "none (files stay, the queue holds every message)",
                Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20,
                ManagementFactory.getGarbageCollectorMXBeans().stream().map(GarbageCollectorMXBean::getName).toList());
        for (int latency : latencies) {
            baseline(files, shape, latency);
        }
        HeapWatch heap = new HeapWatch();
        List<String> summary = new ArrayList<>();
        boolean ok = true;
        try {
            for (int latency : latencies) {
                for (int r : ranges) {
                    heap.reset();
                    List<PassFigures> figures = scenario(files, shape, r, latency, Duration.ofMillis(listForMs), maxInFlight,
                            fleet, passes, warm);
                    for (PassFigures p : figures) {
                        summary.add(String.format(Locale.ROOT, "| %2d | %3d ms | %d | %2d | %3d | %,11d | %8.1f | %,9.0f | %s |",
                                r, latency, p.pass(), p.ranges(), p.runs(), p.listed(), p.seconds(), p.rate(),
                                p.idleRuns() == 0 ? "every run" : p.idleRuns() + " of " + p.runs() + " runs sent NOTHING"));
                    }
                    summary.add(String.format(Locale.ROOT, "|    |        |   |    |     | heap: peak %s |  |  |  |",
                            heap.describe()));
                }
            }
        } catch (OutOfMemoryError e) {
            ok = false;
            System.out.printf("OUT OF MEMORY: the lister did not complete within -Xmx %d MiB (%s)%n",
                    Runtime.getRuntime().maxMemory() >> 20, e.getMessage());
        }
        heap.stop();
        System.out.println();
        System.out.println("| LIST_RANGES | page latency | pass | ranges listed | runs | keys listed | seconds | keys/s listed and planned | dispatched while files waited |");
        System.out.println("|---|---|---|---|---|---|---|---|---|");
        summary.forEach(System.out::println);
        System.out.printf(Locale.ROOT, "%nheap over the whole benchmark: %s; completed within -Xmx %d MiB: %s%n",
                heap.describeTotal(), Runtime.getRuntime().maxMemory() >> 20, ok ? "yes" : "NO");
        System.exit(ok ? 0 : 3);
    }

    private static List<PassFigures> scenario(long files, String shape, int ranges, int latencyMs, Duration listFor,
                                              int maxInFlight, boolean fleet, int passes, boolean warm) {
        System.out.printf(Locale.ROOT, "%n== LIST_RANGES=%d, page latency %d ms ==%n", ranges, latencyMs);
        List<Run> runs = new ArrayList<>();
        try (BenchStack stack = new BenchStack(SyntheticKeys.of(shape, "incoming/", files), Duration.ofMillis(latencyMs), fleet)) {
            if (warm) {
                // As a lister that ran while the backlog grew would have it: boundaries at the keys' quantiles.
                List<String> boundaries = new ArrayList<>();
                for (int r = 1; r < ranges; r++) {
                    boundaries.add(stack.keys().key(files * r / ranges - 1));
                }
                stack.s3Server().putObject("_s3loader/lister-state", new ListerState(new java.util.TreeMap<>(),
                        ListingPass.start(boundaries, ListingPass.Totals.NONE)).encode());
            }
            ListerService lister = stack.lister("LIST_RANGES", Integer.toString(ranges),
                    "MAX_IN_FLIGHT_FILES", Integer.toString(maxInFlight));
            int pass = 1;
            int cap = 1000;
            while (pass <= passes && runs.size() < cap) {
                ListingPass before = stack.state().pass().orElse(ListingPass.start(List.of(), ListingPass.Totals.NONE));
                long waiting = stack.keys().remaining();
                // With the instant fleet no file in flight is still there; without it, every entry's file is.
                long liveInFlight = fleet ? 0 : stack.state().size();
                long start = System.nanoTime();
                Backlog b = lister.runOnce(listFor);
                double seconds = (System.nanoTime() - start) / 1e9;
                ListerState after = stack.state();
                ListingPass now = after.pass().orElseThrow();
                long listed = (b.passComplete() ? now.previous().files() : now.files()) - before.files();
                boolean idle = b.enqueued() == 0 && waiting > liveInFlight && liveInFlight < maxInFlight;
                // A run that took no file leaves the pass as it was, which the lister reports as complete (a defect).
                boolean stalled = now.equals(before);
                boolean completed = b.passComplete() && !stalled;
                Run run = new Run(pass, before.ranges(), listed, b.enqueued(), idle, seconds);
                runs.add(run);
                System.out.printf(Locale.ROOT, "run %3d  pass %d over %2d range%s  listed %,10d in %6.1f s = %,9.0f keys/s"
                                + "  enqueued %,7d  in flight %,7d  files waiting before the run %,10d%s%n",
                        runs.size(), pass, before.ranges(), before.ranges() == 1 ? " " : "s", listed, seconds,
                        listed / seconds, b.enqueued(), b.inFlight(), waiting,
                        (idle ? "  <- NOTHING SENT while files wait and the queue has room" : "")
                                + (stalled ? "  <- took no file (reported passComplete=" + b.passComplete() + ")" : ""));
                if (completed) {
                    pass++;
                }
            }
            System.out.printf(Locale.ROOT, "messages %,d (keys dispatched %,d, duplicates %,d), listing pages %,d%n",
                    stack.sqsServer().messages(), stack.dispatchedKeys(), stack.duplicates(), stack.s3Server().pages());
        }
        List<PassFigures> figures = new ArrayList<>();
        for (int p = 1; p <= passes; p++) {
            int pp = p;
            List<Run> of = runs.stream().filter(r -> r.pass() == pp).toList();
            if (of.isEmpty()) {
                continue;
            }
            int idle = (int) of.stream().filter(Run::idle).count();
            figures.add(new PassFigures(p, of.getFirst().ranges(), of.size(), of.stream().mapToLong(Run::listed).sum(),
                    of.stream().mapToDouble(Run::seconds).sum(), idle));
        }
        return figures;
    }

    /** The SDK's paginator alone over the same endpoint, one range: what listing costs without the lister. */
    private static void baseline(long files, String shape, int latencyMs) {
        long limit = Math.min(files, 200_000);
        try (BenchStack stack = new BenchStack(SyntheticKeys.of(shape, "incoming/", files), Duration.ofMillis(latencyMs), false)) {
            long n = 0;
            long start = System.nanoTime();
            var pages = stack.s3().listObjectsV2Paginator(b -> b.bucket(BenchStack.BUCKET).prefix("incoming/")
                    .encodingType(software.amazon.awssdk.services.s3.model.EncodingType.URL)).iterator();
            while (n < limit && pages.hasNext()) {
                n += pages.next().contents().size();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(Locale.ROOT, "baseline: the SDK paginator alone, one range, page latency %d ms: %,d keys in %.1f s = %,.0f keys/s%n",
                    latencyMs, n, seconds, n / seconds);
        }
    }

    private static int[] ints(String csv) {
        return Arrays.stream(csv.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
    }

    /**
     * The heap in use, sampled every 20 ms, the heap pools' own peaks, and the heap left in use
     * after each full collection (the live set then; young collections leave garbage in the old
     * generation, so their figure says little).
     */
    private static final class HeapWatch {
        private static final java.util.Set<String> HEAP_POOLS = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).map(MemoryPoolMXBean::getName)
                .collect(java.util.stream.Collectors.toSet());
        private final AtomicLong peak = new AtomicLong();
        private final AtomicLong peakTotal = new AtomicLong();
        private final AtomicLong afterFullGc = new AtomicLong(-1);
        private final Thread sampler;
        private volatile boolean running = true;

        HeapWatch() {
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                if (gc instanceof javax.management.NotificationEmitter emitter) {
                    emitter.addNotificationListener((n, handback) -> {
                        if (!n.getType().equals(com.sun.management.GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) {
                            return;
                        }
                        var info = com.sun.management.GarbageCollectionNotificationInfo.from(
                                (javax.management.openmbean.CompositeData) n.getUserData());
                        if (info.getGcAction().contains("major")) {
                            long used = info.getGcInfo().getMemoryUsageAfterGc().entrySet().stream()
                                    .filter(e -> HEAP_POOLS.contains(e.getKey()))
                                    .mapToLong(e -> e.getValue().getUsed()).sum();
                            afterFullGc.accumulateAndGet(used, Math::max);
                        }
                    }, null, null);
                }
            }
            sampler = Thread.ofPlatform().daemon(true).name("heap-watch").start(() -> {
                while (running) {
                    long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
                    peak.accumulateAndGet(used, Math::max);
                    peakTotal.accumulateAndGet(used, Math::max);
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }

        void reset() {
            peak.set(0);
        }

        String describe() {
            return String.format(Locale.ROOT, "%.1f MiB used", peak.get() / 1048576.0);
        }

        String describeTotal() {
            long pools = 0;
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getType() == MemoryType.HEAP) {
                    pools += pool.getPeakUsage().getUsed();
                }
            }
            long full = afterFullGc.get();
            return String.format(Locale.ROOT, "peak used %.1f MiB (sampled every 20 ms; the heap pools' peaks summed: %.1f MiB,"
                            + " an upper bound); %s",
                    peakTotal.get() / 1048576.0, pools / 1048576.0,
                    full < 0 ? "no full collection was needed"
                            : String.format(Locale.ROOT, "at most %.1f MiB in use after a full collection", full / 1048576.0));
        }

        void stop() {
            running = false;
            sampler.interrupt();
        }
    }
}
