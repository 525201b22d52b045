package dev.s3loader.model;

import java.util.Locale;

/**
 * Which time {@link ProcessedKeyTemplate}'s date fields take (PROCESSED_KEY_TIME). Either must be
 * the same on every retry of a file version, or a worker that dies between the copy to processed/
 * and the delete of the source would leave a second copy under another date when the retry runs.
 */
public enum ProcessedKeyTime {
    /** The source object's LastModified as S3 reports it (HeadObject): fixed for a version. */
    LAST_MODIFIED("last-modified"),
    /**
     * The ledger row's {@code loaded_at}: written once, in the load's own transaction, and read
     * back on every retry. Only destinations with a ledger can give it (postgres).
     */
    LOAD("load");

    public static final String VARIABLE = "PROCESSED_KEY_TIME";
    private final String text;

    ProcessedKeyTime(String text) {
        this.text = text;
    }

    public String text() {
        return text;
    }

    static ProcessedKeyTime fromEnv(Env env) {
        String v = env.string(VARIABLE, LAST_MODIFIED.text);
        for (ProcessedKeyTime t : values()) {
            if (t.text.equals(v.toLowerCase(Locale.ROOT))) {
                return t;
            }
        }
        throw new ConfigException(VARIABLE + " must be last-modified or load, got '" + v + "'");
    }
}
