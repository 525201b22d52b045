package dev.s3loader.ops.repair;

import java.time.Instant;

/**
 * One object in {@code failed/} as listed, and the key it goes back to in {@code incoming/}.
 *
 * @param incomingKey the same relative key below {@code incoming/}; null when that would exceed S3's 1,024-byte limit
 */
public record FailedFile(String failedKey, String incomingKey, String etag, long size, Instant lastModified) {
}
