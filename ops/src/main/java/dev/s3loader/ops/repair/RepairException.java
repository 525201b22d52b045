package dev.s3loader.ops.repair;

/** A repair verb could not finish (unreachable, access denied, a state that kept changing): exit 3 with this message. */
public final class RepairException extends RuntimeException {
    public RepairException(String message) {
        super(message);
    }

    public RepairException(String message, Throwable cause) {
        super(message, cause);
    }
}
