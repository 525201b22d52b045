package dev.s3loader.loader;

import dev.s3loader.loader.destination.Destination;
import dev.s3loader.model.CheckItem;
import dev.s3loader.model.LoaderConfig;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * What a loader needs before its first file, checked from where it runs (its role, its network,
 * its settings) without touching the queue, loading anything or leaving anything behind: S3 read
 * and write on the internal prefix (a probe object written, read back and deleted), the listing of
 * incoming/, and the destination's own checks (reachable, the table and the ledger there with the
 * privileges a load needs). The Lambda handler answers a preflight request with it, the container
 * worker runs it as {@code LoaderMain preflight}, and {@code s3loader check --local} in process.
 */
public final class Preflight {
    private final S3Client s3;
    private final LoaderConfig config;
    private final Destination destination;
    private final Clock clock;
    private final Supplier<MovePaths> storePaths;

    /** @param storePaths how files move on this store, from the probe of its conditions (cached per container) */
    public Preflight(S3Client s3, LoaderConfig config, Destination destination, Clock clock, Supplier<MovePaths> storePaths) {
        this.s3 = s3;
        this.storePaths = storePaths;
        this.config = config;
        this.destination = destination;
        this.clock = clock;
    }

    /** Every item, in a fixed order; an item that fails does not stop the others. */
    public List<CheckItem> run() {
        List<CheckItem> items = new ArrayList<>();
        items.add(internalPrefix());
        items.add(incomingListing());
        try {
            items.addAll(destination.preflight());
        } catch (RuntimeException e) {
            items.add(CheckItem.problem("destination", "the destination's check failed: " + e.getMessage(),
                    "read the loader's log for the stack trace; the settings are in the function's environment"));
        }
        items.add(storeConditions());
        return items;
    }

    /** Writes a probe object under the internal prefix, reads it back and deletes it. */
    private CheckItem internalPrefix() {
        String name = "s3 internal prefix";
        String key = config.layout().internal() + "preflight/" + UUID.randomUUID();
        String where = "s3://" + config.bucket() + "/" + key;
        String resource = "arn:aws:s3:::" + config.bucket() + "/" + config.layout().internal() + "*";
        byte[] body = ("s3loader preflight " + clock.instant()).getBytes(StandardCharsets.UTF_8);
        try {
            s3.putObject(b -> b.bucket(config.bucket()).key(key).contentType("text/plain"), RequestBody.fromBytes(body));
        } catch (SdkException e) {
            return CheckItem.problem(name, "cannot write " + where + ": " + describe(e),
                    "grant the loader's role s3:PutObject on " + resource + " (and check BUCKET and INTERNAL_PREFIX)");
        }
        String read;
        try {
            byte[] back = s3.getObjectAsBytes(b -> b.bucket(config.bucket()).key(key)).asByteArray();
            read = java.util.Arrays.equals(back, body) ? null : "read back " + back.length + " bytes that differ from the "
                    + body.length + " written";
        } catch (SdkException e) {
            read = "cannot read back " + where + ": " + describe(e);
        }
        try {
            s3.deleteObject(b -> b.bucket(config.bucket()).key(key));
        } catch (SdkException e) {
            return CheckItem.problem(name, "wrote " + where + " but cannot delete it: " + describe(e),
                    "grant the loader's role s3:DeleteObject on " + resource + ", then delete the probe: aws s3 rm " + where);
        }
        if (read != null) {
            return CheckItem.problem(name, read, "grant the loader's role s3:GetObject on " + resource);
        }
        return CheckItem.ok(name, "wrote, read back and deleted " + where);
    }

    /** The probe's verdict on the S3 conditions the moves rest on (design invariant 9). */
    private CheckItem storeConditions() {
        String name = "s3 store conditions";
        try {
            return CheckItem.ok(name, storePaths.get().describe());
        } catch (StoreRefusedException e) {
            return CheckItem.problem(name, e.getMessage(),
                    "use a store that honours the conditions named (AWS S3 does); see docs/stores.md");
        } catch (SdkException e) {
            return CheckItem.problem(name, "cannot probe the store under s3://" + config.bucket() + "/"
                    + config.layout().internal() + "probe/: " + describe(e),
                    "grant the loader's role s3:PutObject, s3:GetObject and s3:DeleteObject on arn:aws:s3:::"
                            + config.bucket() + "/" + config.layout().internal() + "probe/*");
        }
    }

    private CheckItem incomingListing() {
        String name = "s3 incoming listing";
        String prefix = config.layout().incoming();
        try {
            int n = s3.listObjectsV2(b -> b.bucket(config.bucket()).prefix(prefix).maxKeys(1)).keyCount();
            return CheckItem.ok(name, "listed s3://" + config.bucket() + "/" + prefix + (n == 0 ? " (empty)" : ""));
        } catch (SdkException e) {
            return CheckItem.problem(name, "cannot list s3://" + config.bucket() + "/" + prefix + ": " + describe(e),
                    "grant the loader's role s3:ListBucket on arn:aws:s3:::" + config.bucket() + " (a missing key then answers 404, not 403)");
        }
    }

    static String describe(SdkException e) {
        if (e instanceof S3Exception s && s.awsErrorDetails() != null) {
            return s.awsErrorDetails().errorCode() + " (HTTP " + s.statusCode() + ")";
        }
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }
}
