package dev.s3loader.clients;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * What the probes share: one attempt of a request carrying a condition that cannot hold, judged by
 * the store's answer, and a per-JVM cache (a Lambda container, a process), so a probe runs once per
 * store for the container's life.
 */
final class ProbeSteps {
    /** An etag no probe object has: the MD5 of no bytes, and every probe object has some. */
    static final String WRONG_ETAG = "\"d41d8cd98f00b204e9800998ecf8427e\"";
    private static final Map<String, StoreConditions> CACHE = new ConcurrentHashMap<>();

    private final Map<StoreCondition, StoreCondition.Verdict> verdicts = new EnumMap<>(StoreCondition.class);
    private final Map<StoreCondition, String> answers = new EnumMap<>(StoreCondition.class);

    /**
     * Runs a request whose condition cannot hold. 412 is honoured; a 2xx is ignored; another 4xx or
     * a 501 is a refusal of the request as such. Other failures (5xx, I/O) are thrown: the probe
     * could not tell, and the caller tries again later.
     *
     * @param wentThrough whether the request's effect happened when it answered 2xx (a DeleteObjects
     *                    answers 200 whatever it did with each key)
     */
    void attempt(StoreCondition c, Supplier<Boolean> wentThrough) {
        try {
            if (wentThrough.get()) {
                record(c, StoreCondition.Verdict.IGNORED, "the request went through");
            } else {
                record(c, StoreCondition.Verdict.HONOURED, "refused the key");
            }
        } catch (S3Exception e) {
            String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
            String answer = e.statusCode() + (code == null ? "" : " " + code);
            if (e.statusCode() == 412) {
                record(c, StoreCondition.Verdict.HONOURED, answer);
            } else if (e.statusCode() >= 400 && e.statusCode() < 500 || e.statusCode() == 501) {
                record(c, StoreCondition.Verdict.REFUSED, answer);
            } else {
                throw e;
            }
        }
    }

    void record(StoreCondition c, StoreCondition.Verdict v, String answer) {
        verdicts.put(c, v);
        answers.put(c, answer);
    }

    StoreConditions result(String store, Boolean copyKeepsEtag) {
        return new StoreConditions(store, verdicts, answers, copyKeepsEtag);
    }

    static String store(S3Client s3, String bucket) {
        return s3.serviceClientConfiguration().endpointOverride().map(u -> u.toString() + "/").orElse("s3://") + bucket;
    }

    /** The cached result for this store, kind and prefix, probing on first use (a failed probe is not cached). */
    static StoreConditions cached(String kind, S3Client s3, String bucket, String prefix, Supplier<StoreConditions> probe) {
        String key = kind + '\0' + store(s3, bucket) + '\0' + prefix;
        StoreConditions known = CACHE.get(key);
        if (known != null) {
            return known;
        }
        synchronized (CACHE) {
            return CACHE.computeIfAbsent(key, k -> probe.get());
        }
    }

    static void quietly(Runnable cleanup) {
        try {
            cleanup.run();
        } catch (RuntimeException e) {
            // A probe object left behind is a few bytes under the internal prefix; the next probe uses new keys.
        }
    }
}
