package dev.s3loader.bench;

import dev.s3loader.model.DestinationKind;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/**
 * What scripts/bench runs: parsed once from the command line; a bad flag stops it with a message
 * naming the flag.
 */
public record BenchOptions(int files, int fileBytes, long largeBytes, DestinationKind destination, Path out,
                           Path dataDir, boolean keepData, Set<String> peers, int threads, Duration listInterval,
                           Duration timeout, String rclone, String psql) {
    public static final String USAGE = """
            Usage: scripts/bench [--files N] [--size BYTES] [--large BYTES|0] [--destination copy|postgres]
                                 [--peers sdk,rclone,psql] [--threads 32] [--list-interval 2]
                                 [--out DIR] [--data-dir DIR] [--keep-data] [--timeout SECONDS]
              Sizes take a suffix: 1KiB, 4MiB, 2GiB (or k, m, g). Defaults: 10000 files of 1KiB,
              --large 2GiB (0 skips the large-file run), copy destination, every peer that applies,
              --out target/bench. Environment: RCLONE (rclone binary), PSQL (psql binary).
            """;

    public BenchOptions {
        if (files < 1) {
            throw new IllegalArgumentException("--files must be at least 1, was " + files);
        }
        if (fileBytes < 1) {
            throw new IllegalArgumentException("--size must be at least 1 byte, was " + fileBytes);
        }
        if (largeBytes < 0 || largeBytes > 5L * 1024 * 1024 * 1024) {
            throw new IllegalArgumentException("--large must be 0..5GiB, was " + largeBytes);
        }
        if (destination == DestinationKind.REDSHIFT) {
            throw new IllegalArgumentException("--destination must be copy or postgres (the bench has no Redshift peer)");
        }
        if (threads < 1) {
            throw new IllegalArgumentException("--threads must be at least 1, was " + threads);
        }
    }

    public static BenchOptions parse(String[] args, java.util.Map<String, String> env) {
        int files = 10_000;
        int size = 1024;
        long large = 2L * 1024 * 1024 * 1024;
        DestinationKind destination = DestinationKind.COPY;
        Path out = Path.of("target", "bench");
        Path data = null;
        boolean keep = false;
        String peers = null;
        int threads = 32;
        long listSeconds = 2;
        long timeout = 3600;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--keep-data")) {
                keep = true;
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("unknown argument or missing value: " + a);
            }
            String v = args[++i];
            switch (a) {
                case "--files" -> files = Integer.parseInt(v);
                case "--size" -> size = Math.toIntExact(bytes(a, v));
                case "--large" -> large = bytes(a, v);
                case "--destination" -> destination = DestinationKind.valueOf(v.toUpperCase(Locale.ROOT));
                case "--out" -> out = Path.of(v);
                case "--data-dir" -> data = Path.of(v);
                case "--peers" -> peers = v;
                case "--threads" -> threads = Integer.parseInt(v);
                case "--list-interval" -> listSeconds = Long.parseLong(v);
                case "--timeout" -> timeout = Long.parseLong(v);
                default -> throw new IllegalArgumentException("unknown argument: " + a);
            }
        }
        Set<String> peerSet = new LinkedHashSet<>();
        String chosen = peers != null ? peers : destination == DestinationKind.POSTGRES ? "sdk,rclone,psql" : "sdk,rclone";
        for (String p : chosen.split(",")) {
            String name = p.trim().toLowerCase(Locale.ROOT);
            if (name.isEmpty() || name.equals("none")) {
                continue;
            }
            if (!Set.of("sdk", "rclone", "psql").contains(name)) {
                throw new IllegalArgumentException("--peers: unknown peer '" + p + "' (sdk, rclone, psql or none)");
            }
            peerSet.add(name);
        }
        return new BenchOptions(files, size, large, destination, out, data == null ? out.resolve("data") : data, keep,
                peerSet, threads, Duration.ofSeconds(listSeconds), Duration.ofSeconds(timeout),
                env.getOrDefault("RCLONE", "rclone"), env.getOrDefault("PSQL", "psql"));
    }

    /** 1024, 1KiB, 1k, 4MiB, 2GiB, 2g. */
    static long bytes(String flag, String v) {
        String s = v.trim().toLowerCase(Locale.ROOT).replace("ib", "").replace("b", "");
        long unit = 1;
        if (s.endsWith("k")) {
            unit = 1024;
        } else if (s.endsWith("m")) {
            unit = 1024 * 1024;
        } else if (s.endsWith("g")) {
            unit = 1024L * 1024 * 1024;
        }
        if (unit > 1) {
            s = s.substring(0, s.length() - 1);
        }
        try {
            return Math.round(Double.parseDouble(s) * unit);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + ": not a size: '" + v + "' (e.g. 1024, 1KiB, 4MiB, 2GiB)");
        }
    }
}
