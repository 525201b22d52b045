package dev.s3loader.model;

/** A configuration value is missing or wrong; thrown at start-up, before any work is done. */
public final class ConfigException extends IllegalStateException {
    public ConfigException(String message) {
        super(message);
    }
}
