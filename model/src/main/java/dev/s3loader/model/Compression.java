package dev.s3loader.model;

/** How the files are compressed. */
public enum Compression {
    /** gzip when the key ends in {@code .gz}, otherwise none. */
    AUTO,
    GZIP,
    NONE;

    public boolean gzip(String key) {
        return this == GZIP || this == AUTO && key.endsWith(".gz");
    }
}
