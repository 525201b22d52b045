package dev.s3loader.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * Backlog over time, sampled by the bench's progress loop. At most {@link #MAX_POINTS} points: when
 * full, every other point is dropped and the sampling step doubles, so a run of any length draws
 * in a bounded chart.
 */
public final class BacklogTrace {
    static final int MAX_POINTS = 1000;
    private final String name;
    private final List<double[]> points = new ArrayList<>();
    private int every = 1;
    private long offered;

    public BacklogTrace(String name) {
        this.name = name;
    }

    /** @param seconds since the run started; @param backlog files not yet moved */
    public synchronized void sample(double seconds, long backlog) {
        if (offered++ % every != 0) {
            return;
        }
        points.add(new double[] {seconds, backlog});
        if (points.size() >= MAX_POINTS) {
            List<double[]> kept = new ArrayList<>();
            for (int i = 0; i < points.size(); i += 2) {
                kept.add(points.get(i));
            }
            points.clear();
            points.addAll(kept);
            every *= 2;
        }
    }

    /** The last point, always kept: the run's end (backlog 0). */
    public synchronized void finish(double seconds, long backlog) {
        points.add(new double[] {seconds, backlog});
    }

    public String name() {
        return name;
    }

    public synchronized List<double[]> points() {
        return List.copyOf(points);
    }
}
