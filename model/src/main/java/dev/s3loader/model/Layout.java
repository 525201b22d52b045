package dev.s3loader.model;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Where a file lives in each stage of its life. Pure functions of the key (and, below processed/,
 * of the time {@link ProcessedKeyTemplate} partitions by): keys are data and are never encoded,
 * trimmed or normalised here, so any valid S3 key survives byte for byte.
 */
public record Layout(String incoming, String processed, String failed, String internal,
                     ProcessedKeyTemplate processedTemplate) {
    /** S3's limit on a key, in UTF-8 bytes. */
    public static final int MAX_KEY_BYTES = 1024;
    static final String ERROR_SUFFIX = ".error.json";

    public static Layout defaults() {
        return new Layout("incoming/", "processed/", "failed/", "_s3loader/", ProcessedKeyTemplate.defaults());
    }

    public static Layout fromEnv(Env env) {
        Layout l = new Layout(
                env.prefix("INCOMING_PREFIX", "incoming/"),
                env.prefix("PROCESSED_PREFIX", "processed/"),
                env.prefix("FAILED_PREFIX", "failed/"),
                env.prefix("INTERNAL_PREFIX", "_s3loader/"),
                new ProcessedKeyTemplate(env.string(ProcessedKeyTemplate.VARIABLE, ProcessedKeyTemplate.KEY)));
        l.checkDisjoint();
        return l;
    }

    private void checkDisjoint() {
        String[] all = {incoming, processed, failed, internal};
        String[] names = {"INCOMING_PREFIX", "PROCESSED_PREFIX", "FAILED_PREFIX", "INTERNAL_PREFIX"};
        for (int i = 0; i < all.length; i++) {
            for (int j = 0; j < all.length; j++) {
                if (i != j && all[j].startsWith(all[i])) {
                    throw new ConfigException(names[i] + " '" + all[i] + "' contains " + names[j] + " '" + all[j]
                            + "': the stages must be separate prefixes");
                }
            }
        }
    }

    public boolean isIncoming(String key) {
        return key.startsWith(incoming) && key.length() > incoming.length();
    }

    /** The part of an incoming key below {@code incoming/}; the same below every other stage. */
    public String relative(String incomingKey) {
        if (!isIncoming(incomingKey)) {
            throw new IllegalArgumentException("not an incoming key: " + incomingKey);
        }
        return incomingKey.substring(incoming.length());
    }

    /**
     * {@code processed/<template rendered at the UTC time>}, {@code processed/<rel>} without a
     * template, or empty when the result would exceed S3's 1,024-byte key limit. The template's
     * part before the key has a fixed width, so whether a key fits does not depend on the time.
     */
    public Optional<String> processedKey(String incomingKey, Instant at) {
        return fitting(processed + processedTemplate.render(relative(incomingKey), at));
    }

    /** True when processed/ is partitioned by a template: its keys are then not in relative-key order. */
    public boolean partitioned() {
        return processedTemplate.partitioned();
    }

    /** The relative key a processed/ key was made from, or empty when it is not of the template's form. */
    public Optional<String> relativeOfProcessed(String processedKey) {
        return processedKey.startsWith(processed)
                ? processedTemplate.relativeOf(processedKey.substring(processed.length())) : Optional.empty();
    }

    /** {@code processed/<the template's fixed-width part>} of a processed/ key of the template's form, or empty. */
    public Optional<String> processedPartition(String processedKey) {
        return processedKey.startsWith(processed)
                ? processedTemplate.partitionOf(processedKey.substring(processed.length())).map(p -> processed + p)
                : Optional.empty();
    }

    public Optional<String> failedKey(String incomingKey) {
        return fitting(failed + relative(incomingKey));
    }

    /**
     * Where the error report of a failed file goes: under the internal prefix, which no incoming
     * key can reach, so a report can never overwrite a file (nor a file a report). It is
     * {@code <internal>reports/keys/<rel>.error.json} when that fits in S3's key limit, otherwise
     * {@code <internal>reports/hashed/<sha256 of rel>.error.json}; the two folders are disjoint,
     * and the report names the original key either way.
     */
    public String errorReportKey(String incomingKey) {
        String rel = relative(incomingKey);
        return fitting(reportsPrefix() + "keys/" + rel + ERROR_SUFFIX)
                .orElseGet(() -> reportsPrefix() + "hashed/" + sha256(rel) + ERROR_SUFFIX);
    }

    /** The folder of every error report. */
    public String reportsPrefix() {
        return internal + "reports/";
    }

    /** The incoming key an error report of {@link #errorReportKey} form {@code keys/} was written for, if it is one. */
    public Optional<String> reportedIncomingKey(String reportKey) {
        String keys = reportsPrefix() + "keys/";
        if (!reportKey.startsWith(keys) || !reportKey.endsWith(ERROR_SUFFIX)) {
            return Optional.empty();
        }
        return Optional.of(incoming + reportKey.substring(keys.length(), reportKey.length() - ERROR_SUFFIX.length()));
    }

    public String listerStateKey() {
        return internal + "lister-state";
    }

    /** The lister's record of its last run ({@link ListerRun}), which {@code s3loader status} shows. */
    public String listerLastRunKey() {
        return internal + "lister/last-run.json";
    }

    public String manifestPrefix() {
        return internal + "manifests/";
    }

    public static int utf8Length(String key) {
        return key.getBytes(StandardCharsets.UTF_8).length;
    }

    private static Optional<String> fitting(String key) {
        return utf8Length(key) <= MAX_KEY_BYTES ? Optional.of(key) : Optional.empty();
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
