package dev.s3loader.local;

import dev.s3loader.loader.Step;
import dev.s3loader.loader.StepHook;
import dev.s3loader.model.ConfigException;
import dev.s3loader.model.FileMessage;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test seam, not a feature: {@code S3LOADER_CRASH_AT=STEP:N} makes the local runtime halt the
 * whole process ({@link Runtime#halt}, no shutdown hooks, as {@code kill -9} would) the N-th time
 * the loader reaches STEP (RECEIVED, LOADED, COPIED, DELETED or BEFORE_ACK). The fault suite uses
 * it to kill a real process at an exact step boundary; unset, it does nothing.
 */
public final class CrashAt implements StepHook {
    /** The exit status of a halted process: 128 + SIGKILL, what a shell shows after kill -9. */
    public static final int STATUS = 137;
    private final Step step;
    private final int nth;
    private final AtomicInteger seen = new AtomicInteger();

    private CrashAt(Step step, int nth) {
        this.step = step;
        this.nth = nth;
    }

    /** The hook S3LOADER_CRASH_AT asks for: {@link StepHook#NONE} when unset or empty. */
    public static StepHook fromEnv(String value) {
        if (value == null || value.isBlank()) {
            return StepHook.NONE;
        }
        String[] parts = value.trim().split(":", 2);
        try {
            Step step = Step.valueOf(parts[0].toUpperCase(Locale.ROOT));
            int nth = parts.length == 2 ? Integer.parseInt(parts[1]) : 1;
            if (nth < 1) {
                throw new NumberFormatException("below 1");
            }
            return new CrashAt(step, nth);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("S3LOADER_CRASH_AT must be STEP:N with STEP one of RECEIVED, LOADED, COPIED,"
                    + " DELETED, BEFORE_ACK and N >= 1, was '" + value + "'");
        }
    }

    @Override
    public void reached(Step reached, FileMessage file) {
        if (reached == step && seen.incrementAndGet() == nth) {
            System.err.println("S3LOADER_CRASH_AT: halting at " + step + " #" + nth
                    + (file == null ? "" : " (" + file.key() + ")"));
            System.err.flush();
            Runtime.getRuntime().halt(STATUS);
        }
    }
}
