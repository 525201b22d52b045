package dev.s3loader.clients;

import java.util.UUID;
import java.util.logging.Logger;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Probes the conditions of the lister's state write (If-None-Match: * and If-Match on PutObject)
 * under {@code <internal prefix>probe/}, with one object it deletes again. Separate from
 * {@link MoveProbe} so the lister's role needs no copy or delete-many permission.
 */
public final class StateWriteProbe {
    private static final Logger LOG = Logger.getLogger(StateWriteProbe.class.getName());

    private StateWriteProbe() {
    }

    /** The conditions, probed once per store and JVM. */
    public static StoreConditions cached(S3Client s3, String bucket, String internalPrefix) {
        return ProbeSteps.cached("state", s3, bucket, internalPrefix, () -> run(s3, bucket, internalPrefix));
    }

    /** Probes now. */
    public static StoreConditions run(S3Client s3, String bucket, String internalPrefix) {
        String key = internalPrefix + "probe/lister-" + UUID.randomUUID();
        ProbeSteps steps = new ProbeSteps();
        try {
            try {
                s3.putObject(b -> b.bucket(bucket).key(key).ifNoneMatch("*"), RequestBody.fromString("s3loader probe"));
            } catch (S3Exception e) {
                if (e.statusCode() >= 500 && e.statusCode() != 501) {
                    throw e;
                }
                steps.record(StoreCondition.PUT_IF_NONE_MATCH, StoreCondition.Verdict.REFUSED,
                        e.statusCode() + " to a write of a new key with it");
                s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromString("s3loader probe"));
            }
            if (!steps.result("", null).probed(StoreCondition.PUT_IF_NONE_MATCH)) {
                steps.attempt(StoreCondition.PUT_IF_NONE_MATCH, () -> {
                    s3.putObject(b -> b.bucket(bucket).key(key).ifNoneMatch("*"), RequestBody.fromString("s3loader probe 2"));
                    return true;
                });
            }
            steps.attempt(StoreCondition.PUT_IF_MATCH, () -> {
                s3.putObject(b -> b.bucket(bucket).key(key).ifMatch(ProbeSteps.WRONG_ETAG),
                        RequestBody.fromString("s3loader probe 3"));
                return true;
            });
        } finally {
            ProbeSteps.quietly(() -> s3.deleteObject(b -> b.bucket(bucket).key(key)));
        }
        StoreConditions found = steps.result(ProbeSteps.store(s3, bucket), null);
        LOG.info("store probe of " + found.store() + " (lister): " + String.join("; ", found.lines()));
        return found;
    }
}
