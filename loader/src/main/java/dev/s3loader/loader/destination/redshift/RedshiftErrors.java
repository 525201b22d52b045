package dev.s3loader.loader.destination.redshift;

import java.util.regex.Pattern;

/** Reads Redshift's error texts, which are all a failed statement reports. */
final class RedshiftErrors {
    /** COPY's data errors point at the system tables; everything else about a COPY is not the file's content. */
    private static final Pattern LOAD_ERROR = Pattern.compile(
            "(?i)load into table .* failed|stl_load_errors|sys_load_error_detail");
    private static final Pattern TRANSIENT = Pattern.compile(
            "(?i)serializable isolation|connection|timed? ?out|terminat|unavailable|try again|too many|"
                    + "out of memory|resuming|paused|throttl|rate exceeded|could not connect|is not available");

    /**
     * A file COPY could not decompress. Redshift reports it as its own error (code 9001, "S3 key being
     * read" naming the file), not as a load error; its documentation gives no wording, so this reads
     * the words such errors carry.
     */
    private static final Pattern UNREADABLE = Pattern.compile(
            "(?i)inflate|gzip|zlib|zstd|bzip2?|decompress|unexpected end of (?:zlib |gzip )?(?:input )?stream|not in gzip format");

    /**
     * A Parquet file COPY cannot read or map (Redshift reads columnar files through Spectrum, whose errors
     * name the file: "Spectrum Scan Error ... File 'https://s3.../bucket/key' has an incompatible Parquet schema").
     */
    private static final Pattern COLUMNAR = Pattern.compile("(?i)spectrum scan error|parquet|incompatible .*schema");

    /** S3 (or KMS behind it) refused COPY's role: a setting to fix, never the file's content. */
    private static final Pattern ACCESS_DENIED = Pattern.compile("(?i)access ?denied|not authorized to perform|status 403");

    /** Error 1023: the transaction could not be serialized with a concurrent one; Redshift advises a retry. */
    private static final Pattern SERIALIZATION = Pattern.compile("(?i)serializable isolation|\\b1023\\b.*isolation");

    private RedshiftErrors() {
    }

    static boolean serializationConflict(String error) {
        return error != null && SERIALIZATION.matcher(error).find();
    }

    static boolean loadError(String error) {
        return error != null && LOAD_ERROR.matcher(error).find();
    }

    static boolean accessDenied(String error) {
        return error != null && ACCESS_DENIED.matcher(error).find();
    }

    static boolean unreadableFile(String error) {
        return error != null && UNREADABLE.matcher(error).find();
    }

    static boolean columnarFileError(String error) {
        return error != null && COLUMNAR.matcher(error).find();
    }

    static boolean transientFailure(String error) {
        return error != null && TRANSIENT.matcher(error).find();
    }
}
