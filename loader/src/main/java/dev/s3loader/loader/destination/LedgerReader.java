package dev.s3loader.loader.destination;

import java.util.Iterator;

/**
 * The destination's ledger, read as the audit needs it: every row, ordered by key in UTF-8 byte
 * order (then etag), streamed rather than collected, so the audit can merge-join it with the
 * bucket's listings. One implementation per database destination.
 */
public interface LedgerReader extends AutoCloseable {
    /** A description for the report, e.g. {@code postgres table public.s3loader_ledger}. */
    String describe();

    /** Opens one pass over the rows; the rows are read lazily and the pass closes with the reader. */
    Iterator<LedgerRow> rowsInKeyOrder();

    @Override
    void close();
}
