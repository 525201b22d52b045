package dev.s3loader.lister.internal;

import dev.s3loader.model.ListerRun;
import java.util.logging.Level;
import java.util.logging.Logger;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Writes the record of the lister's last run, which {@code s3loader status} shows. Best effort:
 * it is a view for the operator, so a failed write is logged and never fails the run (whose
 * messages are sent and whose state is saved by then).
 */
public final class LastRunStore {
    private static final Logger LOG = Logger.getLogger(LastRunStore.class.getName());
    private final S3Client s3;
    private final String bucket;
    private final String key;

    public LastRunStore(S3Client s3, String bucket, String key) {
        this.s3 = s3;
        this.bucket = bucket;
        this.key = key;
    }

    public void write(ListerRun run) {
        try {
            s3.putObject(b -> b.bucket(bucket).key(key).contentType("application/json"), RequestBody.fromString(run.toJson()));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "could not record the lister run at s3://" + bucket + "/" + key
                    + " (s3loader status will show an older run): " + e, e);
        }
    }
}
