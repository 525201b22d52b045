package dev.s3loader.ops.repair;

import dev.s3loader.lister.StateStore;
import dev.s3loader.model.InFlight;
import dev.s3loader.model.ListerState;
import java.time.Duration;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Changes entries of the lister's in-flight state the way the lister writes it: read the object
 * and its etag, change, write conditionally on that etag (the lister's own {@link StateStore}).
 * When a lister run saved in between, the write loses, and the edit is read and applied again on
 * the new state; the lister run that overlaps the edit loses its own conditional write instead,
 * which costs it only duplicate messages. The listing pass under way is kept as it is.
 */
public final class ListerStateEditor {
    // StateStore warns that "this run's state is dropped" on a lost write; for an edit that retries, that is noise.
    private static final Logger STORE_LOG = Logger.getLogger(StateStore.class.getName());

    static {
        STORE_LOG.setLevel(Level.SEVERE);
    }

    private final StateStore store;
    private final String where;
    private final int attempts;

    public ListerStateEditor(S3Client s3, String bucket, String stateKey, int attempts) {
        this.store = new StateStore(s3, bucket, stateKey);
        this.where = "s3://" + bucket + "/" + stateKey;
        this.attempts = attempts;
    }

    /** The entries as they are now (empty when the lister has not run yet). */
    public NavigableMap<String, InFlight> read() {
        return store.load().state().entries();
    }

    /**
     * Applies {@code change} to the current entries and writes them if it changed any, retrying on
     * a concurrent write. {@code change} may run more than once, each time on freshly read entries.
     *
     * @return whether the state was written (false: no state yet, or nothing to change)
     */
    public boolean edit(Consumer<NavigableMap<String, InFlight>> change) {
        for (int attempt = 1; attempt <= attempts; attempt++) {
            StateStore.Loaded loaded = store.load();
            if (loaded.etag().isEmpty()) {
                return false;
            }
            TreeMap<String, InFlight> entries = new TreeMap<>(loaded.state().entries());
            change.accept(entries);
            if (entries.equals(loaded.state().entries())) {
                return false;
            }
            if (store.save(new ListerState(entries, loaded.state().pass().orElse(null)), loaded.etag())) {
                return true;
            }
            pause(attempt);
        }
        throw new RepairException("the lister state " + where + " changed under each of " + attempts
                + " attempts to write it; nothing of this change was written; run the command again");
    }

    private static void pause(int attempt) {
        // A lister run writes once a minute at most: a short, growing pause gets past it.
        long millis = Math.min(5_000, 200L << Math.min(attempt, 5)) + ThreadLocalRandom.current().nextLong(100);
        try {
            Thread.sleep(Duration.ofMillis(millis));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RepairException("interrupted while writing the lister state");
        }
    }
}
