package dev.s3loader.local.faults;

import java.util.Optional;

/**
 * How big the fault suite runs. The short form (the default, part of {@code scripts/test}) drops a
 * few hundred files per scenario; {@code scripts/faults} sets {@code s3loader.faults.files} (or
 * S3LOADER_FAULT_FILES) to 2,000 or more. Every random choice derives from one seed, printed, and
 * settable with {@code s3loader.faults.seed} (or S3LOADER_FAULT_SEED) to repeat a run.
 */
final class FaultSize {
    static final int SHORT_FILES = 200;
    static final int LONG_FILES = 2000;
    private static final long SEED = setting("s3loader.faults.seed", "S3LOADER_FAULT_SEED")
            .map(Long::parseLong).orElseGet(() -> System.nanoTime() & 0xffffffL);

    private FaultSize() {
    }

    /** Files dropped per scenario. */
    static int files() {
        return setting("s3loader.faults.files", "S3LOADER_FAULT_FILES").map(Integer::parseInt).orElse(SHORT_FILES);
    }

    static boolean isLong() {
        return files() >= LONG_FILES;
    }

    /** The short form's count in the short form, the long form's in the long form. */
    static int pick(int shortForm, int longForm) {
        return isLong() ? longForm : shortForm;
    }

    static long seed() {
        return SEED;
    }

    private static Optional<String> setting(String property, String variable) {
        String v = System.getProperty(property);
        if (v == null || v.isBlank()) {
            v = System.getenv(variable);
        }
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.trim());
    }
}
