package dev.s3loader.lister.internal;

import java.time.Instant;

/** One object of {@code incoming/} as the listing showed it. */
public record ListedFile(String key, String etag, long size, Instant lastModified) {
}
