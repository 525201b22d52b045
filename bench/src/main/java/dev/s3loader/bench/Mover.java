package dev.s3loader.bench;

import java.util.Map;

/**
 * One mover's figures from a run: files and bytes it moved, the wall-clock seconds from its start
 * to its last file, the per-file latency percentiles, and (when metered) its requests by
 * "Service Operation". {@code rows} is for the database destination and psql (0 otherwise).
 */
public record Mover(String name, String command, long files, long bytes, long rows, double seconds, long p50Millis,
                    long p99Millis, Map<String, Long> requests) {
    public double filesPerSecond() {
        return files / seconds;
    }

    public double megabytesPerSecond() {
        return bytes / 1e6 / seconds;
    }

    public double rowsPerSecond() {
        return rows / seconds;
    }

    public boolean metered() {
        return requests != null;
    }
}
