package dev.s3loader.loader;

/** The loader's one unchecked exception; {@link TransientLoadException} marks what a later attempt may fix. */
public class LoaderException extends RuntimeException {
    public LoaderException(String message) {
        super(message);
    }

    public LoaderException(String message, Throwable cause) {
        super(message, cause);
    }
}
