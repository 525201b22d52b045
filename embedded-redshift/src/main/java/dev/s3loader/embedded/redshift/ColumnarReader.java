package dev.s3loader.embedded.redshift;

import java.io.IOException;
import java.util.List;

/**
 * Reads a columnar file for {@code COPY ... FORMAT AS PARQUET}. The emulator has no Parquet reader
 * of its own (this module stays free of one); a test hands it one with
 * {@link EmbeddedRedshiftData#parquetReader}, e.g. the loader's own reader, so the COPY loads what
 * the file really holds.
 */
@FunctionalInterface
public interface ColumnarReader {
    /** The file's columns in the file's order, and its rows as the text of each value (null for NULL). */
    Table read(byte[] file) throws IOException;

    record Table(List<String> columns, List<List<String>> rows) {
    }
}
