package dev.s3loader.model;

import java.util.Locale;

/** How the files are compressed. */
public enum Compression {
    /** By the key's extension: {@code .gz} gzip, {@code .zst} zstd, {@code .bz2} bzip2, else none (case ignored). */
    AUTO,
    GZIP,
    ZSTD,
    BZIP2,
    NONE;

    /** The compression of the file with this key: the setting itself, or for AUTO the key's extension. */
    public Compression of(String key) {
        if (this != AUTO) {
            return this;
        }
        String k = key.toLowerCase(Locale.ROOT);
        if (k.endsWith(".gz")) {
            return GZIP;
        }
        if (k.endsWith(".zst")) {
            return ZSTD;
        }
        if (k.endsWith(".bz2")) {
            return BZIP2;
        }
        return NONE;
    }

    public boolean gzip(String key) {
        return of(key) == GZIP;
    }

    /** The name users know it by: gzip, zstd, bzip2, none. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
