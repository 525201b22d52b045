package dev.s3loader.bench;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A bench run's figures: the pipeline first in {@code movers}, then each peer that ran; the large
 * file's copies (s3loader first); what the bench listed and counted afterwards ({@code verified}).
 */
public record BenchResult(String command, Instant startedAt, BenchOptions options, Map<String, String> settings,
                          Map<String, Object> seeding, List<Mover> movers, List<Mover> largeCopies,
                          Map<String, Object> verified, List<BacklogTrace> traces, List<String> notes,
                          String rcloneVersion, String psqlVersion) {
    public Mover pipeline() {
        return movers.get(0);
    }
}
