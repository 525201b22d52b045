package dev.s3loader.loader.internal;

import dev.s3loader.loader.MovePaths;

import dev.s3loader.clients.MoveProbe;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.logging.Logger;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The loader's {@link MovePaths} on its bucket, from {@link MoveProbe} (run once per store and
 * container). The choice is logged once. A probe that could not finish (the store unreachable) is
 * tried again at the next use; a refusal is thrown at every use.
 */
public final class ProbedPaths implements Supplier<MovePaths> {
    private static final Logger LOG = Logger.getLogger(ProbedPaths.class.getName());
    private final S3Client s3;
    private final String bucket;
    private final String internalPrefix;
    private final AtomicBoolean logged = new AtomicBoolean();

    public ProbedPaths(S3Client s3, String bucket, String internalPrefix) {
        this.s3 = s3;
        this.bucket = bucket;
        this.internalPrefix = internalPrefix;
    }

    @Override
    public MovePaths get() {
        var conditions = MoveProbe.cached(s3, bucket, internalPrefix);
        MovePaths paths;
        try {
            paths = MovePaths.of(conditions);
        } catch (RuntimeException refused) {
            if (logged.compareAndSet(false, true)) {
                LOG.severe(refused.getMessage());
            }
            throw refused;
        }
        if (logged.compareAndSet(false, true)) {
            var ignored = conditions.verdicts().entrySet().stream()
                    .filter(e -> e.getValue() != dev.s3loader.clients.StoreCondition.Verdict.HONOURED)
                    .map(e -> e.getKey().request() + " " + e.getValue()).toList();
            LOG.info("S3 store " + conditions.store() + ": " + (ignored.isEmpty() ? "honours every condition probed"
                    : String.join(", ", ignored)) + "; " + paths.describe());
        }
        return paths;
    }
}
