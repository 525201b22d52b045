package dev.s3loader.lister;

import dev.s3loader.clients.StateWriteProbe;
import dev.s3loader.clients.StoreCondition;
import dev.s3loader.clients.StoreConditions;
import dev.s3loader.model.ListerState;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Reads and writes the lister's in-flight set as one object. The write is conditional on the
 * version read (If-Match, or If-None-Match for the first write), so two listers that overlap by
 * accident cannot silently overwrite each other's state.
 */
public final class StateStore {
    private static final Logger LOG = Logger.getLogger(StateStore.class.getName());
    private final S3Client s3;
    private final String bucket;
    private final String key;
    private volatile StoreConditions conditions;

    public StateStore(S3Client s3, String bucket, String key) {
        this.s3 = s3;
        this.bucket = bucket;
        this.key = key;
    }

    /**
     * Whether the store honours the write's conditions, probed once per store and container under
     * the internal prefix (the state key's folder) and logged once. Where it does not, the write is
     * made all the same: the lister runs one at a time (reserved concurrency 1), and a state lost to
     * an accidental overlap costs duplicate messages only, which the loader's conditional moves and
     * ledger absorb; the warning names that.
     */
    /** @return the probe's result, or null when the probe failed this time (it is tried again next run) */
    public StoreConditions conditions() {
        StoreConditions known = conditions;
        if (known != null) {
            return known;
        }
        StoreConditions found;
        try {
            found = StateWriteProbe.cached(s3, bucket, key.substring(0, key.lastIndexOf('/') + 1));
        } catch (software.amazon.awssdk.core.exception.SdkException e) {
            // What the probe learns is only reported: the write itself stays conditional either way,
            // so a request error here must not cost the run; the next run probes again.
            LOG.warning("could not probe the state write's conditions on s3://" + bucket + " (probing again next run): "
                    + e.getMessage());
            return null;
        }
        if (found.honours(StoreCondition.PUT_IF_MATCH) && found.honours(StoreCondition.PUT_IF_NONE_MATCH)) {
            LOG.info("S3 store " + found.store() + " honours If-Match and If-None-Match on PutObject: the lister's"
                    + " state write is conditional");
        } else {
            LOG.warning("S3 store " + found.store() + " does not honour the state write's conditions ("
                    + String.join("; ", found.lines()) + "): the lister's state write is unconditional; two lister runs"
                    + " at once (only by accident: one runs at a time) could drop in-flight entries, which costs"
                    + " duplicate messages only");
        }
        conditions = found;
        return found;
    }

    /** The state and the etag it was read at (empty etag: no state object yet). */
    public record Loaded(ListerState state, Optional<String> etag) {
    }

    public Loaded load() {
        try (var in = s3.getObject(GetObjectRequest.builder().bucket(bucket).key(key).build())) {
            String etag = in.response().eTag();
            try {
                return new Loaded(ListerState.decode(in), Optional.of(etag));
            } catch (UncheckedIOException | IllegalArgumentException e) {
                // Losing the state only costs duplicate messages, which the loader ignores; never block the queue on it.
                LOG.log(Level.SEVERE, "lister state s3://" + bucket + "/" + key
                        + " is unreadable; starting from an empty in-flight set", e);
                return new Loaded(ListerState.empty(), Optional.of(etag));
            }
        } catch (NoSuchKeyException e) {
            return new Loaded(ListerState.empty(), Optional.empty());
        } catch (java.io.IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes the new state; false when another writer changed it since {@code readAt}. */
    public boolean save(ListerState state, Optional<String> readAt) {
        PutObjectRequest.Builder put = PutObjectRequest.builder().bucket(bucket).key(key)
                .contentType("application/octet-stream");
        readAt.ifPresentOrElse(put::ifMatch, () -> put.ifNoneMatch("*"));
        byte[] encoded = state.encode();
        try {
            s3.putObject(put.build(), RequestBody.fromBytes(encoded));
            return true;
        } catch (S3Exception e) {
            if (e.statusCode() == 412 || e.statusCode() == 409) {
                if (holds(encoded)) {
                    // The SDK retried a write whose first attempt landed but whose answer was lost (an I/O
                    // error after the server stored it): the precondition now fails on this run's own write.
                    LOG.info("lister state write retried after its first attempt had landed; it is this run's state");
                    return true;
                }
                LOG.warning("lister state changed by another writer since it was read; this run's state is dropped"
                        + " (its messages are harmless duplicates at worst)");
                return false;
            }
            throw e;
        }
    }

    /** Whether the state object now holds exactly these bytes (compared by content: an etag is not always an MD5). */
    private boolean holds(byte[] encoded) {
        try {
            return Arrays.equals(s3.getObjectAsBytes(GetObjectRequest.builder().bucket(bucket).key(key).build())
                    .asByteArrayUnsafe(), encoded);
        } catch (NoSuchKeyException e) {
            return false;
        }
    }
}
