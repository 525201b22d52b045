package dev.s3loader.ops;

/** A bad argument or setting: the command prints the message on one line and exits with 2. */
public final class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }
}
