package dev.s3loader.loader.destination.refined;

import dev.s3loader.model.FileMessage;
import dev.s3loader.model.Layout;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.HexFormat;

/**
 * The refined zone's key of one file version:
 * {@code <prefix>year=YYYY/month=MM/day=DD/<digest>-<name>.parquet}.
 *
 * <p>One output object per source version (key, etag), named by a digest of both: whatever batch
 * the version arrives in, however often, it writes the same key, so a redelivery overwrites its own
 * output and a row is never stored twice. A key of the batch (say, of its sorted versions) would
 * not do: a file redelivered after a crash in a batch of other companions would write a second
 * object holding its rows again. The date is the version's own LastModified (UTC), which every
 * delivery reads back from S3 alike.
 *
 * <p>The name after the digest is only for people: the source key's last segment with every
 * character outside {@code A-Za-z0-9._-} replaced by {@code _}, shortened. So the key needs no
 * escaping in a URL, holds no {@code /} or {@code =} that a Hive-style reader would take for a
 * partition, and does not start with {@code _} or {@code .}, which Spark and Hive skip as hidden.
 */
final class RefinedKeys {
    /** Hex digits of SHA-256 kept: 128 bits, no collision among any plausible number of versions. */
    private static final int DIGEST_HEX = 32;
    private static final int NAME_CHARS = 80;
    private final String prefix;

    RefinedKeys(String prefix) {
        this.prefix = prefix;
    }

    String key(FileMessage f, Instant lastModified) {
        ZonedDateTime t = lastModified.atZone(ZoneOffset.UTC);
        return prefix + String.format("year=%04d/month=%02d/day=%02d/", t.getYear(), t.getMonthValue(), t.getDayOfMonth())
                + digest(f) + "-" + readable(f.key()) + ".parquet";
    }

    static String digest(FileMessage f) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(f.key().getBytes(StandardCharsets.UTF_8));
            // A NUL cannot be part of the etag nor end a key's bytes ambiguously: key and etag stay apart.
            sha.update((byte) 0);
            sha.update(bare(f.etag()).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest()).substring(0, DIGEST_HEX);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The etag without the quotes some answers carry, so both spellings name one version. */
    static String bare(String etag) {
        return etag.length() >= 2 && etag.startsWith("\"") && etag.endsWith("\"") ? etag.substring(1, etag.length() - 1) : etag;
    }

    private static String readable(String key) {
        String last = key.substring(key.lastIndexOf('/') + 1);
        StringBuilder b = new StringBuilder();
        last.codePoints().limit(NAME_CHARS).forEach(cp -> b.append(
                (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9') || cp == '.' || cp == '-'
                        ? (char) cp : '_'));
        return b.isEmpty() ? "file" : b.toString();
    }

    /** The longest key this makes: the prefix plus a fixed-width part, within S3's limit for any prefix allowed. */
    int maxBytes() {
        return Layout.utf8Length(prefix) + "year=0000/month=00/day=00/".length() + DIGEST_HEX + 1 + NAME_CHARS + ".parquet".length();
    }
}
