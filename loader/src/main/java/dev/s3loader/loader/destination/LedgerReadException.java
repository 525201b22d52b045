package dev.s3loader.loader.destination;

import dev.s3loader.loader.LoaderException;

/** A ledger could not be read (the audit's reader): the message names the ledger and says why. */
public class LedgerReadException extends LoaderException {
    public LedgerReadException(String message) {
        super(message);
    }

    public LedgerReadException(String message, Throwable cause) {
        super(message, cause);
    }
}
