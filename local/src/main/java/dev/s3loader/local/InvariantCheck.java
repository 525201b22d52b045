package dev.s3loader.local;

import dev.s3loader.model.Layout;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.EncodingType;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Checks the design's invariants 1 (no loss: every dropped file is in exactly one of processed/,
 * failed/ with a report, or incoming/) and 6 (keys are data: each stage holds the dropped key byte
 * for byte, with the dropped bytes) against what the bucket really holds. A processed/ key is
 * read back to its incoming key through the layout's PROCESSED_KEY_TEMPLATE, so a partitioned
 * processed/ is checked the same way, and a file under two partitions is in processed/ twice.
 */
public final class InvariantCheck {
    private final S3Client s3;
    private final String bucket;
    private final Layout layout;

    public InvariantCheck(S3Client s3, String bucket, Layout layout) {
        this.s3 = s3;
        this.bucket = bucket;
        this.layout = layout;
    }

    /** Where each dropped file ended, and every broken invariant as a readable line. */
    public record Result(int processed, int failed, int incoming, List<String> violations) {
        public boolean holds() {
            return violations.isEmpty();
        }
    }

    /** @param dropped incoming key → SHA-256 of the bytes dropped there (the latest version) */
    public Result check(Map<String, String> dropped) {
        Set<String> processed = keys(layout.processed());
        Map<String, List<String>> processedByIncoming = byIncomingKey(processed);
        Set<String> failed = keys(layout.failed());
        Set<String> incoming = keys(layout.incoming());
        Set<String> reports = keys(layout.reportsPrefix());
        List<String> violations = new ArrayList<>();
        int p = 0;
        int f = 0;
        int i = 0;
        Set<String> expectedProcessed = new HashSet<>();
        Set<String> expectedFailed = new HashSet<>();
        for (Map.Entry<String, String> e : dropped.entrySet()) {
            String key = e.getKey();
            List<String> pks = processedByIncoming.getOrDefault(key, List.of());
            String pk = pks.isEmpty() ? null : pks.getFirst();
            String fk = layout.failedKey(key).orElse(null);
            boolean inP = pk != null;
            if (pks.size() > 1) {
                violations.add("invariant 2: " + printable(key) + " is in processed/ " + pks.size() + " times: "
                        + pks.stream().map(InvariantCheck::printable).toList());
            }
            boolean inF = fk != null && failed.contains(fk);
            boolean inI = incoming.contains(key);
            int places = (inP ? 1 : 0) + (inF ? 1 : 0) + (inI ? 1 : 0);
            if (places != 1) {
                violations.add("invariant 1: " + printable(key) + " is in " + places + " places (processed=" + inP
                        + ", failed=" + inF + ", incoming=" + inI + ")");
                continue;
            }
            if (inP) {
                p++;
                expectedProcessed.addAll(pks);
                sameBytes(pk, e.getValue(), violations);
            } else if (inF) {
                f++;
                expectedFailed.add(fk);
                sameBytes(fk, e.getValue(), violations);
                if (!reports.contains(layout.errorReportKey(key))) {
                    violations.add("invariant 1: " + printable(key) + " is in failed/ without its error report "
                            + printable(layout.errorReportKey(key)));
                }
            } else {
                i++;
                sameBytes(key, e.getValue(), violations);
            }
        }
        for (String k : processed) {
            if (!expectedProcessed.contains(k)) {
                violations.add("invariant 6: processed/ holds a key no producer wrote: " + printable(k));
            }
        }
        for (String k : failed) {
            if (!expectedFailed.contains(k)) {
                violations.add("invariant 6: failed/ holds a key no producer wrote: " + printable(k));
            }
        }
        return new Result(p, f, i, violations);
    }

    /** Incoming key → the processed/ keys (one per partition it is under) that were made from it. */
    public Map<String, List<String>> processedCopies() {
        return byIncomingKey(keys(layout.processed()));
    }

    private Map<String, List<String>> byIncomingKey(Set<String> processed) {
        Map<String, List<String>> byIncoming = new HashMap<>();
        for (String k : processed) {
            layout.relativeOfProcessed(k).ifPresent(rel ->
                    byIncoming.computeIfAbsent(layout.incoming() + rel, x -> new ArrayList<>()).add(k));
        }
        return byIncoming;
    }

    private void sameBytes(String key, String sha256, List<String> violations) {
        String actual = sha256(key);
        if (!actual.equals(sha256)) {
            violations.add("invariant 6: " + printable(key) + " does not hold the bytes that were dropped");
        }
    }

    private Set<String> keys(String prefix) {
        Set<String> keys = new HashSet<>();
        for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)
                .encodingType(EncodingType.URL)).contents()) {
            keys.add(o.key());
        }
        return keys;
    }

    private String sha256(String key) {
        try (InputStream in = s3.getObject(b -> b.bucket(bucket).key(key))) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[64 * 1024];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return java.util.HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String sha256(byte[] content) {
        try {
            return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Keys can hold control characters; never print them raw into a terminal. */
    static String printable(String key) {
        StringBuilder b = new StringBuilder("'");
        key.codePoints().forEach(c -> {
            if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\u%04x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        String s = b.append('\'').toString();
        return s.length() > 160 ? s.substring(0, 150) + "…(" + key.length() + " chars)'" : s;
    }

    /** For tests: the hashes of a set of sample files as they were dropped. */
    public static Map<String, String> hashes(Layout layout, List<SampleSet.SampleFile> files) {
        Map<String, String> m = new HashMap<>();
        files.forEach(f -> m.put(layout.incoming() + f.relativeKey(), sha256(f.content())));
        return m;
    }
}
