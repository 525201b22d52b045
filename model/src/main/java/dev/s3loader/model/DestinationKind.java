package dev.s3loader.model;

/** Where the loader puts a file's contents before moving it to {@code processed/}. */
public enum DestinationKind {
    /** A server-side copy into an archive bucket/prefix (by default the move to processed/ itself). */
    COPY,
    /** PostgreSQL {@code COPY ... FROM STDIN}, streamed from S3. */
    POSTGRES,
    /** Redshift {@code COPY ... MANIFEST} through the Redshift Data API. */
    REDSHIFT,
    /** The refined zone: each file's rows as a Parquet file below a year=/month=/day= prefix. */
    PARQUET
}
