package dev.s3loader.model;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * The object key as S3 event notifications carry it: URL-encoded in the
 * {@code application/x-www-form-urlencoded} style, so a space arrives as {@code +} and a literal
 * {@code +} as {@code %2B} ("red flower.jpg" becomes "red+flower.jpg", as the S3 event message
 * structure documents). Decoding with anything else (a plain percent-decoder, or none) turns
 * {@code a b} and {@code a+b} into the same key or the wrong one.
 */
public final class S3EventKey {
    private S3EventKey() {
    }

    /** The key as it was written, byte for byte; a broken escape is a {@link MalformedMessageException}. */
    public static String decode(String encoded) {
        try {
            return URLDecoder.decode(encoded, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new MalformedMessageException("event key is not URL-encoded: " + e.getMessage());
        }
    }
}
