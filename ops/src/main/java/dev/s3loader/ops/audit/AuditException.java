package dev.s3loader.ops.audit;

/** The audit could not finish (a source unreachable, unreadable or out of order); says which and why. */
public class AuditException extends RuntimeException {
    public AuditException(String message) {
        super(message);
    }

    public AuditException(String message, Throwable cause) {
        super(message, cause);
    }
}
