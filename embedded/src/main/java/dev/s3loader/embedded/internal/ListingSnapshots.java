package dev.s3loader.embedded.internal;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Serves the pages of a listing from one scan of the back end instead of one scan per page.
 *
 * <p>S3Proxy's nio2 back ends answer every ListObjects page by walking the whole prefix, reading
 * each entry's attributes and extended attributes, sorting all of it, and returning the thousand
 * after the marker: a listing of N keys costs N/1000 full walks, N²/1000 entry reads (50,000 keys
 * took over two minutes). Here a listing's first page scans once and keeps the sorted stored names
 * of up to {@link #WINDOW} entries after its marker; the following pages (its continuation tokens
 * name the snapshot) are cut from them, and every object on a page is read as it is now (the
 * {@link ListingSource}'s {@code describe}): one deleted since the scan is left out, one overwritten shows
 * its current etag, size and date. What a page reports is thus as current as S3's; a key written
 * after the scan, behind the listing's position, appears in the next listing (as with a key written
 * just after a listing ends). A listing longer than the window scans again from where it is.
 * Total cost: O(N) entry reads per listing, plus one scan per {@link #WINDOW} keys. The names all
 * snapshots hold together are bounded too ({@link #MAX_HELD_NAMES}): past it the least recently
 * used snapshots are dropped, and their listings' next pages scan again from where they are.
 */
final class ListingSnapshots {
    /**
     * Names kept per snapshot: bounds memory (~100 bytes a name) and the rescans (one per window;
     * a scan reads the whole directory, so a listing of a million keys is scanned once).
     */
    static final int WINDOW = 1_000_000;
    /** Names held by all snapshots together (~200 MB). */
    static final long MAX_HELD_NAMES = 2_000_000;
    private static final int MAX_SNAPSHOTS = 32;
    private static final long IDLE_NANOS = 120_000_000_000L;
    private static final String TOKEN_PREFIX = "s";

    private final ListingSource source;
    private final int window;
    private final long maxHeldNames;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, Snapshot> snapshots = new LinkedHashMap<>(16, 0.75f, true);

    ListingSnapshots(ListingSource source) {
        this(source, WINDOW, MAX_HELD_NAMES);
    }

    ListingSnapshots(ListingSource source, int window, long maxHeldNames) {
        this.source = source;
        this.window = window;
        this.maxHeldNames = maxHeldNames;
    }

    /** One scan: sorted stored names, and for each whether it is a common prefix or a folder object. */
    private record Snapshot(long id, String bucket, String prefix, String delimiter, String[] names,
                            Object[] asListed, boolean complete, long[] used) {
    }

    /** Where a continuation token points: a snapshot still held, and the stored name to continue after. */
    record Position(Snapshot snapshot, String after) {
    }

    /**
     * @param escapedRequest the request as the back end takes it (stored names; the folder of the prefix)
     * @param clientPrefix   the client's prefix: entries not under it are left out
     * @param after          the stored name to start after, or null
     */
    ListObjectsV2Response page(ListObjectsV2Request escapedRequest, String clientPrefix,
                               String token, String after) {
        Snapshot s = null;
        String from = after;
        Position p = token == null ? null : position(token);
        if (p != null) {
            // An expired snapshot's token still says where to go on from: a new scan starts there.
            from = p.after();
            Snapshot held = p.snapshot();
            if (held != null && held.bucket().equals(escapedRequest.bucket())
                    && java.util.Objects.equals(held.prefix(), clientPrefix)
                    && java.util.Objects.equals(held.delimiter(), escapedRequest.delimiter())) {
                s = held;
            }
        }
        int maxKeys = escapedRequest.maxKeys() == null ? Integer.MAX_VALUE : escapedRequest.maxKeys();
        if (maxKeys == 0) {
            return ListObjectsV2Response.builder().contents(List.of()).commonPrefixes(List.of()).isTruncated(false).build();
        }
        int i;
        if (s != null) {
            i = upperBound(s.names(), from);
            if (i == s.names().length && !s.complete()) {
                s = null;
            }
        }
        if (s == null) {
            s = scan(escapedRequest, clientPrefix, from);
            i = 0;
        } else {
            i = upperBound(s.names(), from);
        }
        s.used()[0] = System.nanoTime();
        List<S3Object> contents = new ArrayList<>();
        List<CommonPrefix> prefixes = new ArrayList<>();
        String last = null;
        int n = 0;
        // Chunk by chunk, so that an object deleted since the scan leaves room for the next one.
        while (i < s.names().length && n < maxKeys) {
            int end = i + Math.min(s.names().length - i, maxKeys - n); // no overflow: maxKeys may be MAX_VALUE
            List<String> files = new ArrayList<>();
            for (int j = i; j < end; j++) {
                if (s.asListed()[j] == null) {
                    files.add(s.names()[j]);
                }
            }
            List<S3Object> now = files.isEmpty() ? List.of() : source.describe(escapedRequest.bucket(), files);
            int next = 0;
            for (int j = i; j < end; j++) {
                Object listed = s.asListed()[j];
                last = s.names()[j];
                if (listed instanceof CommonPrefix c) {
                    prefixes.add(c);
                    n++;
                } else if (listed instanceof S3Object o) {
                    contents.add(o);
                    n++;
                } else if (next < now.size() && now.get(next).key().equals(s.names()[j])) {
                    S3Object o = now.get(next++);
                    contents.add(o.toBuilder().key(KeyEscapingBlobStore.unescape(o.key())).build());
                    n++;
                }
            }
            i = end;
        }
        boolean more = i < s.names().length || !s.complete();
        String next = more && last != null ? token(s, last) : null;
        if (next == null) {
            forget(s);
        }
        return ListObjectsV2Response.builder().contents(contents).commonPrefixes(prefixes)
                .nextContinuationToken(next).isTruncated(next != null).build();
    }

    private Snapshot scan(ListObjectsV2Request escapedRequest, String clientPrefix, String after) {
        ListObjectsV2Response all = source.names(escapedRequest.toBuilder().continuationToken(null).startAfter(after)
                .maxKeys(window + 1).build());
        // The back end's page mixes objects and prefixes; both are ordered by stored name.
        List<Object[]> entries = new ArrayList<>();
        for (S3Object o : all.contents()) {
            if (UnfinishedWrites.isTemporary(o.key())) {
                continue;
            }
            String key = KeyEscapingBlobStore.unescape(o.key());
            if (clientPrefix == null || key.startsWith(clientPrefix)) {
                // A folder object (key ending in '/') is a directory: keep it as listed, it has no file to read again.
                entries.add(new Object[] {o.key(), o.key().endsWith("/") ? o.toBuilder().key(key).build() : null});
            }
        }
        for (CommonPrefix c : all.commonPrefixes()) {
            String prefix = KeyEscapingBlobStore.unescape(c.prefix());
            if (clientPrefix == null || prefix.startsWith(clientPrefix)) {
                entries.add(new Object[] {c.prefix(), c.toBuilder().prefix(prefix).build()});
            }
        }
        entries.sort((a, b) -> ((String) a[0]).compareTo((String) b[0]));
        boolean complete = all.nextContinuationToken() == null;
        int keep = complete ? entries.size() : Math.min(entries.size(), window);
        if (!complete && keep > 0) {
            // Keep only what lies before the back end's last name: past it, the next scan takes over.
            String lastScanned = all.nextContinuationToken();
            while (keep > 0 && ((String) entries.get(keep - 1)[0]).compareTo(lastScanned) > 0) {
                keep--;
            }
        }
        String[] sorted = new String[keep];
        Object[] listed = new Object[keep];
        for (int j = 0; j < keep; j++) {
            sorted[j] = (String) entries.get(j)[0];
            listed[j] = entries.get(j)[1];
        }
        Snapshot s = new Snapshot(ids.incrementAndGet(), escapedRequest.bucket(), clientPrefix,
                escapedRequest.delimiter(), sorted, listed, complete, new long[] {System.nanoTime()});
        remember(s);
        return s;
    }

    private static int upperBound(String[] sorted, String after) {
        if (after == null) {
            return 0;
        }
        int i = Arrays.binarySearch(sorted, after);
        return i >= 0 ? i + 1 : -i - 1;
    }

    private static String token(Snapshot s, String last) {
        return TOKEN_PREFIX + s.id() + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(last.getBytes(UTF_8));
    }

    /** The snapshot and name a token of this class names, or null (another kind of token, or the snapshot expired). */
    Position position(String token) {
        if (!token.startsWith(TOKEN_PREFIX) || token.indexOf('.') < 0) {
            return null;
        }
        try {
            long id = Long.parseLong(token.substring(TOKEN_PREFIX.length(), token.indexOf('.')));
            String after = new String(Base64.getUrlDecoder().decode(token.substring(token.indexOf('.') + 1)), UTF_8);
            synchronized (snapshots) {
                Snapshot s = snapshots.get(id);
                return s == null ? new Position(null, after) : new Position(s, after);
            }
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private void remember(Snapshot s) {
        synchronized (snapshots) {
            long now = System.nanoTime();
            long held = s.names().length;
            for (Snapshot old : snapshots.values()) {
                held += old.names().length;
            }
            // Least recently used first.
            Iterator<Snapshot> it = snapshots.values().iterator();
            while (it.hasNext()) {
                Snapshot old = it.next();
                if (now - old.used()[0] > IDLE_NANOS || snapshots.size() >= MAX_SNAPSHOTS || held > maxHeldNames) {
                    held -= old.names().length;
                    it.remove();
                }
            }
            snapshots.put(s.id(), s);
        }
    }

    private void forget(Snapshot s) {
        synchronized (snapshots) {
            snapshots.remove(s.id());
        }
    }

    int held() {
        synchronized (snapshots) {
            return snapshots.size();
        }
    }
}
