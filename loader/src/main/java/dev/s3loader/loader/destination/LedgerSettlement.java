package dev.s3loader.loader.destination;

import dev.s3loader.model.FileMessage;
import java.util.List;
import java.util.function.Predicate;

/**
 * Settles files whose load has an unknown outcome (a statement given up at its deadline, a lost
 * COMMIT acknowledgement) from what the ledger says, file by file: a file the ledger holds is
 * loaded, whoever loaded it; a file it does not hold goes back to the queue, where the next
 * delivery's ledger check keeps it from loading twice. One transaction puts all of its files in
 * the ledger or none, so "part" means another worker loaded some of them meanwhile: still settled
 * per file. Used by destinations that keep a ledger; it knows no database.
 */
public final class LedgerSettlement {
    /** How much of the group the ledger holds. */
    public enum Found { ALL, NONE, PART }

    /** The per-file results, in the order of the files, and how much was found. */
    public record Settled(List<LoadResult> results, Found found) {
    }

    private LedgerSettlement() {
    }

    /**
     * @param inLedger whether the ledger holds a file's (key, etag)
     * @param reason   why the outcome was unknown, for the files handed back
     */
    public static Settled settle(List<FileMessage> files, Predicate<FileMessage> inLedger, String reason) {
        List<LoadResult> results = files.stream().<LoadResult>map(f -> inLedger.test(f)
                ? new LoadResult.Loaded(f, 0)
                : new LoadResult.Retry(f, reason + " (not in the ledger: not committed)")).toList();
        long loaded = results.stream().filter(r -> r instanceof LoadResult.Loaded).count();
        Found found = loaded == files.size() ? Found.ALL : loaded == 0 ? Found.NONE : Found.PART;
        return new Settled(results, found);
    }

    /** Nothing could be read: every file goes back, and the ledger settles them on redelivery. */
    public static List<LoadResult> handBack(List<FileMessage> files, String reason) {
        return files.stream().<LoadResult>map(f -> new LoadResult.Retry(f, reason)).toList();
    }
}
