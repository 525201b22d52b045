package dev.s3loader.ops.audit;

/** One ledger row: the incoming key and etag of a loaded file version. */
public record LedgerRow(String key, String etag) {
}
