package dev.s3loader.model;

/** What a file column (a CSV header name, a JSON key) that the table lacks does to the file. */
public enum ExtraColumns {
    /** The file goes to failed/, the column named. */
    FAIL,
    /** The column is not loaded; the rest of the file is. */
    IGNORE
}
