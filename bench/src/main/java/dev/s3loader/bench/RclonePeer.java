package dev.s3loader.bench;

import dev.s3loader.embedded.EmbeddedS3;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * rclone against the same S3 server, configured only through RCLONE_CONFIG_BENCH_* variables (no
 * config file is read or written). {@code move} logs each deleted source at INFO with a
 * microsecond timestamp; those lines give its per-file latency without touching the server.
 */
final class RclonePeer {
    static final String MISSING = "rclone not found: install it ('apt-get install rclone', or https://rclone.org/install/)"
            + " or point RCLONE at the binary; its figures are left out";
    private static final DateTimeFormatter LOG_TIME = DateTimeFormatter.ofPattern("yyyy/MM/dd HH:mm:ss.SSSSSS");
    private final String binary;
    private final EmbeddedS3 server;
    private final int transfers;

    RclonePeer(String binary, EmbeddedS3 server, int transfers) {
        this.binary = binary;
        this.server = server;
        this.transfers = transfers;
    }

    /** The version line, or empty when rclone cannot be run. */
    static Optional<String> version(String binary) {
        try {
            Process p = new ProcessBuilder(binary, "version").redirectErrorStream(true).start();
            String first;
            try (var in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                first = in.readLine();
                while (in.readLine() != null) {
                    // drain
                }
            }
            return p.waitFor() == 0 && first != null ? Optional.of(first.trim()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    record Result(double seconds, long deleted, LatencyHistogram latency, List<String> command) {
    }

    /** {@code rclone move --transfers T --checkers T} of incoming/ to processed/ in one bucket. */
    Result move(String bucket, long expected, BacklogTrace trace) {
        List<String> command = List.of(binary, "move", "bench:" + bucket + "/incoming", "bench:" + bucket + "/processed",
                "--transfers", Integer.toString(transfers), "--checkers", Integer.toString(transfers));
        List<String> run = new ArrayList<>(command);
        run.addAll(List.of("-v", "--stats", "0", "--log-format", "date,time,microseconds"));
        LatencyHistogram latency = new LatencyHistogram();
        AtomicLong deleted = new AtomicLong();
        long start = System.nanoTime();
        long startMillis = System.currentTimeMillis();
        double seconds;
        try (ProgressSampler sampler = new ProgressSampler(trace, start, () -> expected - deleted.get())) {
            seconds = exec(run, line -> {
                if (line.endsWith(": Deleted")) {
                    deleted.incrementAndGet();
                    latency.record(Math.max(0, logMillis(line) - startMillis));
                }
            });
        }
        trace.finish(seconds, expected - deleted.get());
        return new Result(seconds, deleted.get(), latency, command);
    }

    /** {@code rclone copyto} of one object ("bucket/key") to another: a server-side copy. */
    double copy(String source, String target) {
        return exec(List.of(binary, "copyto", "bench:" + source, "bench:" + target),
                line -> { });
    }

    private double exec(List<String> command, java.util.function.Consumer<String> onLine) {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        // Only the bench remote's settings: an AWS_CA_BUNDLE or AWS_PROFILE meant for real AWS breaks rclone's
        // client for a plain-http local endpoint ("unable to load custom CA bundle").
        env.keySet().removeIf(k -> k.startsWith("AWS_") || k.startsWith("RCLONE_"));
        env.put("RCLONE_CONFIG_BENCH_TYPE", "s3");
        env.put("RCLONE_CONFIG_BENCH_PROVIDER", "Other");
        env.put("RCLONE_CONFIG_BENCH_ENV_AUTH", "false");
        env.put("RCLONE_CONFIG_BENCH_ACCESS_KEY_ID", server.accessKey());
        env.put("RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY", server.secretKey());
        env.put("RCLONE_CONFIG_BENCH_ENDPOINT", server.endpoint().toString());
        env.put("RCLONE_CONFIG_BENCH_REGION", server.region().id());
        env.put("RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE", "true");
        env.put("RCLONE_CONFIG", "/dev/null");
        List<String> tail = new ArrayList<>();
        long start = System.nanoTime();
        try {
            Process p = pb.start();
            try (var in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    onLine.accept(line);
                    if (line.contains("ERROR") || line.contains("Failed")) {
                        tail.add(line);
                    }
                }
            }
            int status = p.waitFor();
            double seconds = (System.nanoTime() - start) / 1e9;
            if (status != 0) {
                throw new IllegalStateException("rclone exited " + status + ": " + String.join("\n", tail.subList(
                        Math.max(0, tail.size() - 5), tail.size())));
            }
            return seconds;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while rclone ran", e);
        }
    }

    /** "2026/11/30 19:20:01.123456 INFO  : d01/f00000001.bin: Deleted" → epoch ms (rclone logs local time). */
    static long logMillis(String line) {
        try {
            return LocalDateTime.parse(line.substring(0, 26), LOG_TIME).atZone(ZoneId.systemDefault()).toInstant().toEpochMilli();
        } catch (RuntimeException e) {
            return System.currentTimeMillis();
        }
    }
}
