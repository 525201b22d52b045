package dev.s3loader.embedded.redshift;

/** An error the Data API answers with: HTTP status and the {@code __type} the SDK maps to an exception class. */
final class ApiException extends RuntimeException {
    final int status;
    final String type;

    ApiException(int status, String type, String message) {
        super(message);
        this.status = status;
        this.type = type;
    }

    static ApiException validation(String message) {
        return new ApiException(400, "ValidationException", message);
    }

    static ApiException notFound(String message) {
        return new ApiException(400, "ResourceNotFoundException", message);
    }
}
