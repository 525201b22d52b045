package dev.s3loader.loader;

/**
 * The S3 store in use ignores a condition the loader cannot do without, and no other request keeps
 * the same promise: the loader moves no file on it. The message is one line naming the store's
 * behaviour and what is at risk.
 */
public final class StoreRefusedException extends LoaderException {
    public StoreRefusedException(String message) {
        super(message);
    }
}
