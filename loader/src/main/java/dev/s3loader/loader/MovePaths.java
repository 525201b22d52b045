package dev.s3loader.loader;

import dev.s3loader.clients.StoreCondition;
import dev.s3loader.clients.StoreConditions;

/**
 * How the loader moves files on the store in use, chosen from what its probe found the store
 * honours (design invariant 9). Each fallback keeps the same promise by a request the store does
 * honour:
 * <ul>
 * <li>deletes: DeleteObjects with each key's ETag where honoured; otherwise one DeleteObject with
 *     If-Match per key (a producer's new version is never deleted unseen either way);</li>
 * <li>copies: CopySourceIfMatch where honoured; otherwise the copy is checked after it is made:
 *     by the copy's own etag where the copy keeps a single-part object's etag (the etag is the
 *     content's MD5, so equal etags prove the copied bytes are the version's), else by HeadObject
 *     with If-Match before and after the copy, with the same LastModified both times (the version
 *     was in place all along). A copy that fails its check counts as a replaced version: the file
 *     stays in incoming/ for its new message, the source is not deleted.</li>
 * </ul>
 * Without If-Match on DeleteObject, or without any way to check a copy, no path is safe: the loader
 * refuses to start.
 */
public record MovePaths(boolean deleteTogether, boolean checkCopies, boolean checkPartCopies, boolean copyKeepsEtag) {
    /** Every condition honoured (AWS S3): the conditional requests themselves. */
    public static final MovePaths CONDITIONAL = new MovePaths(true, false, false, true);

    /** The paths for a store, or a refusal naming its behaviour and what is at risk. */
    public static MovePaths of(StoreConditions c) {
        if (!c.honours(StoreCondition.DELETE_IF_MATCH)) {
            throw new StoreRefusedException(refusal(c, StoreCondition.DELETE_IF_MATCH,
                    "a producer's new version written while its file is moved would be deleted unseen (lost)"));
        }
        boolean checkCopies = !c.honours(StoreCondition.COPY_SOURCE_IF_MATCH);
        boolean checkParts = !c.honours(StoreCondition.UPLOAD_PART_COPY_SOURCE_IF_MATCH);
        if ((checkCopies || checkParts) && !c.honours(StoreCondition.HEAD_IF_MATCH)) {
            throw new StoreRefusedException(refusal(c, checkCopies ? StoreCondition.COPY_SOURCE_IF_MATCH
                    : StoreCondition.UPLOAD_PART_COPY_SOURCE_IF_MATCH, "nor If-Match on HeadObject, so a copy cannot be"
                    + " checked: processed/ could hold another version than the one loaded (exactly-once broken)"));
        }
        return new MovePaths(c.honours(StoreCondition.DELETE_OBJECTS_ETAG), checkCopies, checkParts,
                Boolean.TRUE.equals(c.copyKeepsEtag()));
    }

    private static String refusal(StoreConditions c, StoreCondition broken, String risk) {
        return "the S3 store " + c.store() + " does not honour " + broken.request() + " ("
                + c.verdicts().get(broken) + ", " + c.answers().get(broken) + "): " + risk
                + "; s3loader refuses to move files on it";
    }

    /** One line for the log and for s3loader status. */
    public String describe() {
        return "deletes: " + (deleteTogether ? "DeleteObjects with each key's ETag"
                : "one DeleteObject with If-Match per key (the store ignores the ETag in DeleteObjects)")
                + "; copies: " + (checkCopies ? "checked after the copy by " + (copyKeepsEtag
                ? "the copy's etag (or HeadObject If-Match before and after, for a multipart etag)"
                : "HeadObject If-Match before and after") + " (the store ignores CopySourceIfMatch)" : "CopySourceIfMatch")
                + "; multipart copies: " + (checkPartCopies
                ? "checked by HeadObject If-Match before and after (the store ignores CopySourceIfMatch on UploadPartCopy)"
                : "CopySourceIfMatch on every part");
    }
}
