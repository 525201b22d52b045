package dev.s3loader.loader;

/**
 * The destination could not take the batch now (down, throttling, lock timeout): nothing was
 * loaded, nothing moves, and the messages go back to the queue.
 */
public class TransientLoadException extends LoaderException {
    public TransientLoadException(String message) {
        super(message);
    }

    public TransientLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
