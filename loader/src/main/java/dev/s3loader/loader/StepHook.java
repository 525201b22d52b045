package dev.s3loader.loader;

import dev.s3loader.model.FileMessage;

/**
 * Sees the lifecycle pass each {@link Step}. Production uses {@link #NONE}; the fault suite arms
 * hooks that end the worker (an exception in-process, a halt for a real process) at a chosen step.
 */
@FunctionalInterface
public interface StepHook {
    StepHook NONE = (step, file) -> { };

    /** @param file the file the step concerns, or null for the batch-wide steps */
    void reached(Step step, FileMessage file);
}
