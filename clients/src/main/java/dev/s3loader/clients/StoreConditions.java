package dev.s3loader.clients;

import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a probe found: for each condition it tried, whether the store honoured it, and the answer
 * it got. A plain record that {@code s3loader check} and {@code s3loader status} print and the
 * lister and loader decide their paths from.
 *
 * @param store        where the probe ran (endpoint and bucket), for the log line
 * @param verdicts     per condition probed
 * @param answers      per condition, the store's answer in a few words ("412 PreconditionFailed",
 *                     "200: the copy went through")
 * @param copyKeepsEtag whether a CopyObject of a single-part object gave the copy the source's etag
 *                     (then a copy's etag proves which content it copied); null if not probed
 */
public record StoreConditions(String store, Map<StoreCondition, StoreCondition.Verdict> verdicts,
                              Map<StoreCondition, String> answers, Boolean copyKeepsEtag) {
    public StoreConditions {
        Objects.requireNonNull(store, "store");
        verdicts = Collections.unmodifiableMap(new EnumMap<>(verdicts));
        answers = Collections.unmodifiableMap(answers.isEmpty() ? new EnumMap<>(StoreCondition.class) : new EnumMap<>(answers));
    }

    /** Whether the condition was probed and honoured. */
    public boolean honours(StoreCondition c) {
        return verdicts.get(c) == StoreCondition.Verdict.HONOURED;
    }

    public boolean probed(StoreCondition c) {
        return verdicts.containsKey(c);
    }

    /** Every condition probed and honoured (AWS S3, by its documentation). */
    public boolean honoursAll() {
        return verdicts.values().stream().allMatch(v -> v == StoreCondition.Verdict.HONOURED);
    }

    /** One line per condition probed: "CopySourceIfMatch on CopyObject: IGNORED (200: the copy went through)". */
    public List<String> lines() {
        return verdicts.entrySet().stream().map(e -> e.getKey().request() + ": " + e.getValue()
                + (answers.containsKey(e.getKey()) ? " (" + answers.get(e.getKey()) + ")" : "")).toList();
    }

    /** Combines two probes of the same store (the lister's and the loader's conditions). */
    public StoreConditions and(StoreConditions other) {
        Map<StoreCondition, StoreCondition.Verdict> v = new EnumMap<>(StoreCondition.class);
        v.putAll(verdicts);
        v.putAll(other.verdicts);
        Map<StoreCondition, String> a = new EnumMap<>(StoreCondition.class);
        a.putAll(answers);
        a.putAll(other.answers);
        return new StoreConditions(store, v, a, copyKeepsEtag != null ? copyKeepsEtag : other.copyKeepsEtag);
    }

    /**
     * Where the loader records what it found and chose (plain text, rewritten at each cold start),
     * for {@code s3loader status}: under the probe's own prefix, which no file can take.
     */
    public static String recordKey(String internalPrefix) {
        return internalPrefix + "probe/loader.txt";
    }
}
