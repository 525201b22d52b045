package dev.s3loader.local.faults;

import dev.s3loader.loader.Step;
import dev.s3loader.loader.StepHook;
import dev.s3loader.model.FileMessage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Kills the in-process loader at the N-th time it reaches a step: an {@link Error} (which the
 * lifecycle does not treat as a failed step) ends the batch there, and from then on every worker
 * of that loader dies at its next step boundary too, as all threads of a dead process would. The
 * test then stops the dead pipeline and starts a new one: the restart.
 */
final class KillAt implements StepHook {
    /** The worker's death: not an exception the lifecycle may catch. */
    static final class WorkerDeath extends Error {
        WorkerDeath(String message) {
            super(message, null, false, false);
        }
    }

    private final Step step;
    private final int nth;
    private final AtomicInteger seen = new AtomicInteger();
    private final AtomicBoolean dead = new AtomicBoolean();

    KillAt(Step step, int nth) {
        this.step = step;
        this.nth = nth;
    }

    @Override
    public void reached(Step reached, FileMessage file) {
        if (dead.get()) {
            throw new WorkerDeath("the loader is dead (killed at " + step + ")");
        }
        if (reached == step && seen.incrementAndGet() == nth && dead.compareAndSet(false, true)) {
            throw new WorkerDeath("killed at " + step + " #" + nth + (file == null ? "" : " (" + file.key() + ")"));
        }
    }

    boolean fired() {
        return dead.get();
    }

    Step step() {
        return step;
    }
}
