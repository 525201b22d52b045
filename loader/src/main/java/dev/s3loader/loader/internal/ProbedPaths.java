package dev.s3loader.loader.internal;

import dev.s3loader.loader.MovePaths;

import dev.s3loader.clients.MoveProbe;
import dev.s3loader.clients.StoreConditions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.logging.Logger;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The loader's {@link MovePaths} on its bucket, from {@link MoveProbe} (run once per store and
 * container). The choice is logged and recorded (for s3loader status) once per store and container. A probe that could not finish (the store unreachable) is
 * tried again at the next use; a refusal is thrown at every use.
 */
public final class ProbedPaths implements Supplier<MovePaths> {
    private static final Logger LOG = Logger.getLogger(ProbedPaths.class.getName());
    private final S3Client s3;
    private final String bucket;
    private final String internalPrefix;
    /** The stores whose choice this JVM (container) has logged and recorded: once each. */
    private static final Set<String> REPORTED = ConcurrentHashMap.newKeySet();

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
            if (REPORTED.add(conditions.store() + '\0' + internalPrefix)) {
                LOG.severe(refused.getMessage());
                record("refused: " + refused.getMessage(), conditions);
            }
            throw refused;
        }
        if (REPORTED.add(conditions.store() + '\0' + internalPrefix)) {
            record(paths.describe(), conditions);
            var ignored = conditions.verdicts().entrySet().stream()
                    .filter(e -> e.getValue() != dev.s3loader.clients.StoreCondition.Verdict.HONOURED)
                    .map(e -> e.getKey().request() + " " + e.getValue()).toList();
            LOG.info("S3 store " + conditions.store() + ": " + (ignored.isEmpty() ? "honours every condition probed"
                    : String.join(", ", ignored)) + "; " + paths.describe());
        }
        return paths;
    }

    /** The choice for s3loader status: its first line is what status shows. A failed write only costs that line. */
    private void record(String choice, dev.s3loader.clients.StoreConditions conditions) {
        String text = choice + "\nprobed " + java.time.Instant.now() + " by the loader on " + conditions.store() + "\n"
                + String.join("\n", conditions.lines()) + "\n";
        try {
            s3.putObject(b -> b.bucket(bucket).key(StoreConditions.recordKey(internalPrefix)).contentType("text/plain; charset=utf-8"),
                    software.amazon.awssdk.core.sync.RequestBody.fromString(text));
        } catch (RuntimeException e) {
            LOG.warning("could not record the store probe's outcome for s3loader status: " + e.getMessage());
        }
    }
}
