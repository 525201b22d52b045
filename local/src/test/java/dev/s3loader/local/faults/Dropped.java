package dev.s3loader.local.faults;

import dev.s3loader.local.InvariantCheck;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * What the producers did: every version written to incoming/ (its etag, bytes and the ids of its
 * rows, unique across the run) and the keys deleted for good. The final check judges the pipeline
 * against this record, not against what the pipeline says it did.
 */
final class Dropped {
    /**
     * The kinds of file a producer can drop. Every kind but HEALTHY can never load: a header-only
     * or empty file holds no rows, which the postgres destination rejects (issue 7's poison files).
     */
    enum Kind {
        HEALTHY(true), HEADER_ONLY(false), EMPTY(false), BINARY(false), WRONG_ENCODING(false), VALUE_TOO_LONG(false),
        NOT_GZIP(false);

        final boolean loads;

        Kind(boolean loads) {
            this.loads = loads;
        }
    }

    /** One version of one key, as written. */
    record Version(String key, String etag, String sha256, long firstId, int rows, Kind kind) {
        boolean healthy() {
            return kind.loads;
        }
    }

    static final String HEADER = "id,name,amount,note\n";
    private final Map<String, List<Version>> versions = new LinkedHashMap<>();
    private final Set<String> deleted = ConcurrentHashMap.newKeySet();
    private final AtomicLong nextId = new AtomicLong(1);
    private final S3Client s3;
    private final String bucket;

    Dropped(S3Client s3, String bucket) {
        this.s3 = s3;
        this.bucket = bucket;
    }

    /** Writes a healthy CSV file of {@code rows} rows (header first) to {@code key}. */
    Version csv(String key, int rows) {
        long first = nextId.getAndAdd(Math.max(rows, 1));
        StringBuilder b = new StringBuilder(HEADER);
        for (int r = 0; r < rows; r++) {
            long id = first + r;
            b.append(id).append(",name-").append(id).append(',').append(id % 1000).append('.').append(id % 100)
                    .append(",\"quoted, with comma\"\n");
        }
        return put(key, b.toString().getBytes(StandardCharsets.UTF_8), first, rows, Kind.HEALTHY);
    }

    /** Writes exactly these bytes: a file that can never load, or a healthy one of {@code rows} rows already numbered. */
    Version raw(String key, byte[] content, int rows, Kind kind) {
        return put(key, content, 0, rows, kind);
    }

    /** The next id a healthy file would get, for poison files whose good rows must never appear. */
    long reserveIds(int n) {
        return nextId.getAndAdd(n);
    }

    private Version put(String key, byte[] content, long firstId, int rows, Kind kind) {
        String etag = s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(content)).eTag();
        Version v = new Version(key, unquote(etag), InvariantCheck.sha256(content), firstId, rows, kind);
        synchronized (this) {
            versions.computeIfAbsent(key, k -> new ArrayList<>()).add(v);
            deleted.remove(key);
        }
        return v;
    }

    /** The producer deletes the key; unless it is written again, none of its versions need be anywhere. */
    void delete(String key) {
        s3.deleteObject(b -> b.bucket(bucket).key(key));
        deleted.add(key);
    }

    synchronized List<String> keys() {
        return new ArrayList<>(versions.keySet());
    }

    synchronized List<Version> versions() {
        return versions.values().stream().flatMap(List::stream).toList();
    }

    synchronized Version latest(String key) {
        return versions.get(key).getLast();
    }

    boolean deletedForGood(String key) {
        return deleted.contains(key);
    }

    synchronized int fileCount() {
        return versions.size();
    }

    static String unquote(String etag) {
        return etag == null ? null : etag.replace("\"", "");
    }
}
