package dev.s3loader.model;

/** What the files hold. */
public enum FileFormat {
    /** Delimited text, with the options of {@link CsvOptions}. */
    CSV,
    /**
     * One JSON object per line; keys are matched to column names (Redshift {@code JSON 'auto'},
     * PostgreSQL {@code jsonb_populate_record}); a missing key loads NULL.
     */
    JSON,
    /**
     * Apache Parquet: fields matched to column names (PostgreSQL: by the loader's own reader, by name;
     * Redshift: {@code FORMAT AS PARQUET}, by position); its pages carry their own compression.
     */
    PARQUET
}
