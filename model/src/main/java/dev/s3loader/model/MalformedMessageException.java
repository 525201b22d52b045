package dev.s3loader.model;

/** A message body that is not a file message; it can never succeed, whatever the retry. */
public final class MalformedMessageException extends IllegalArgumentException {
    public MalformedMessageException(String message) {
        super(message);
    }
}
