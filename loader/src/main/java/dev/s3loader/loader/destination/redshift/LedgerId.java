package dev.s3loader.loader.destination.redshift;

import dev.s3loader.model.FileMessage;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * How the ledger identifies a file version: the hex SHA-256 of the key's UTF-8 bytes, and the
 * etag. Redshift ignores trailing blanks when it compares VARCHARs, so {@code a.csv } and
 * {@code a.csv} would be one key there; their hashes differ in every character that matters. The
 * key itself is kept beside it for people.
 */
record LedgerId(String keyHash, String etag) {
    static LedgerId of(FileMessage f) {
        return new LedgerId(keyHash(f.key()), f.etag());
    }

    static String keyHash(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
