package dev.s3loader.ops.audit;

import java.time.Instant;

/**
 * One object of a stage as listed, named by its key below the stage's prefix.
 *
 * @param relative the key below {@code incoming/}, {@code processed/} or {@code failed/}
 */
record StageObject(String relative, String key, String etag, long size, Instant lastModified) {
}
