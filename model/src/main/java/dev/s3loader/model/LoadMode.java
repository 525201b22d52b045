package dev.s3loader.model;

/** How loaded rows meet the rows already in the table. */
public enum LoadMode {
    /** Rows are inserted. */
    APPEND,
    /**
     * Rows go to a staging table first; rows of the target whose merge keys match a staged row are
     * replaced by it, in the same transaction as the load (delete, then insert).
     */
    MERGE
}
