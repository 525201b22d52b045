package dev.s3loader.loader.destination;

/** One ledger row: the incoming key and etag of a loaded file version. */
public record LedgerRow(String key, String etag) {
}
