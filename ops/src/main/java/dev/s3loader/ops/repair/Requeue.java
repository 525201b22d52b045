package dev.s3loader.ops.repair;

import dev.s3loader.loader.ObjectCopier;
import dev.s3loader.clients.Etags;
import dev.s3loader.clients.S3Objects;
import dev.s3loader.loader.ObjectCopier;
import dev.s3loader.model.InFlight;
import dev.s3loader.model.Layout;
import dev.s3loader.ops.Progress;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.EncodingType;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Puts files from {@code failed/} back into {@code incoming/} so that each loads exactly once.
 * Per file, in this order, each step safe to repeat after a crash between any two:
 * <ol>
 * <li>its entry in the lister's state is removed (once per listed page, conditional write), so the
 *     lister dispatches the file as new instead of counting its earlier attempts;</li>
 * <li>{@code failed/K} is copied to {@code incoming/K} (CopySourceIfMatch on the listed etag,
 *     If-None-Match so that a file a producer dropped meanwhile is never replaced; content type,
 *     metadata and tags kept, in parts above the multipart threshold). When {@code incoming/K} is
 *     already there with the same bytes, an earlier run copied it and this step is done; when it
 *     holds other bytes, a producer's file is there and this file is skipped and left in failed/;</li>
 * <li>{@code failed/K} is deleted (If-Match: a newer failed version is kept), then its error report.
 *     The copy always precedes the delete, so a crash leaves the file in two places, never in none,
 *     and the next run finishes it.</li>
 * </ol>
 * If-None-Match on CopyObject is honoured by AWS S3; S3Proxy (scripts/local) ignores it, so there
 * only the HEAD just before the copy guards a producer's file, which leaves the few milliseconds
 * between the two open.
 * One window stays open: were a lister run to dispatch incoming/K and a loader to fail it again into
 * failed/K (the same etag) in the milliseconds between this copy (or, on a second run, the check of
 * incoming/K) and the If-Match delete, that delete would take the new failed/K. The lister runs
 * once a minute and a load takes longer than two deletes, so this is named, not guarded.
 * The order of the deletes leaves, at worst, a report without its file (a note for the audit),
 * never a failed file without its report. The exactly-once guarantee itself is the loader's: the
 * ledger skips a (key, etag) it already holds.
 */
public final class Requeue {
    /** What the copy step found. */
    public enum Copy { COPIED, ALREADY_THERE, INCOMING_DIFFERS, SOURCE_CHANGED, SOURCE_GONE, KEY_TOO_LONG }

    /** What became of one file. */
    public enum Outcome {
        /** Copied to incoming/ and removed from failed/. */
        REQUEUED,
        /** An earlier run had copied it; this one removed it from failed/. */
        ALREADY_IN_INCOMING,
        /** incoming/K holds another file (a producer's): left in failed/. */
        SKIPPED_INCOMING_DIFFERS,
        /** failed/K was replaced since it was listed: left as it is. */
        SKIPPED_CHANGED,
        /** incoming/K would exceed S3's 1,024-byte key limit. */
        SKIPPED_KEY_TOO_LONG,
        /** failed/K was gone when its turn came (another requeue moved it). */
        GONE
    }

    /** Which files: those below {@code failed/<prefix>}, last modified at or after {@code since}. */
    public record Filter(String prefix, Optional<Instant> since) {
        boolean accepts(S3Object o) {
            return since.map(s -> !o.lastModified().isBefore(s)).orElse(true);
        }
    }

    /** The files of one listing: the exact count and size, and the first few. */
    public record Plan(long files, long bytes, List<FailedFile> sample, long stateEntries) {
    }

    public record Skipped(FailedFile file, Outcome outcome) {
    }

    /** What a run did; {@code skipped} holds at most the first {@code keep} skipped files. */
    public record Result(long requeued, long alreadyInIncoming, long gone, long skippedCount, List<Skipped> skipped,
                         long stateEntriesCleared) {
        public long moved() {
            return requeued + alreadyInIncoming;
        }
    }

    private static final int COMPARE_BUFFER = 64 * 1024;
    private final S3Client s3;
    private final String bucket;
    private final Layout layout;
    private final ObjectCopier copier;
    private final int concurrency;

    public Requeue(S3Client s3, String bucket, Layout layout, ObjectCopier copier, int concurrency) {
        this.s3 = s3;
        this.bucket = bucket;
        this.layout = layout;
        this.copier = copier;
        this.concurrency = concurrency;
    }

    /** The failed file at {@code failedKey} as it is now (HEAD). */
    public FailedFile describe(String failedKey) {
        HeadObjectResponse h = s3.headObject(b -> b.bucket(bucket).key(failedKey));
        return file(failedKey, h.eTag(), h.contentLength(), h.lastModified());
    }

    /** Counts the files the filter selects and keeps the first {@code sampleSize}: one listing, nothing changed. */
    public Plan plan(Filter filter, int sampleSize, Map<String, InFlight> inState) {
        long files = 0;
        long bytes = 0;
        long state = 0;
        List<FailedFile> sample = new ArrayList<>();
        for (Iterator<List<FailedFile>> pages = pages(filter); pages.hasNext(); ) {
            for (FailedFile f : pages.next()) {
                files++;
                bytes += f.size();
                if (sameVersion(inState.get(f.incomingKey()), f)) {
                    state++;
                }
                if (sample.size() < sampleSize) {
                    sample.add(f);
                }
            }
        }
        return new Plan(files, bytes, sample, state);
    }

    /** Requeues every file the filter selects, page by page, {@code concurrency} files at a time. */
    public Result run(Filter filter, ListerStateEditor state, Progress progress, int keepSkipped) {
        // Read once: keys the lister holds in flight. Only a listed incoming/ file gains an entry later,
        // and after this run's copy that is the dispatch it should get.
        Map<String, InFlight> inState = new HashMap<>(state.read());
        long requeued = 0;
        long already = 0;
        long gone = 0;
        long skippedCount = 0;
        long cleared = 0;
        List<Skipped> skipped = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(concurrency,
                Thread.ofPlatform().name("s3loader-requeue-", 0).daemon(true).factory());
        try {
            for (Iterator<List<FailedFile>> pages = pages(filter); pages.hasNext(); ) {
                List<FailedFile> page = pages.next();
                // Only the entry of the version being put back: an entry under the same key with another
                // etag is a producer's newer file in flight, whose attempts are its own.
                Map<String, FailedFile> toClear = new HashMap<>();
                for (FailedFile f : page) {
                    if (sameVersion(inState.get(f.incomingKey()), f)) {
                        toClear.put(f.incomingKey(), f);
                    }
                }
                if (!toClear.isEmpty()) {
                    long[] removed = new long[1];
                    state.edit(entries -> {
                        int before = entries.size();
                        toClear.forEach((key, f) -> {
                            if (sameVersion(entries.get(key), f)) {
                                entries.remove(key);
                            }
                        });
                        removed[0] = before - entries.size();
                    });
                    cleared += removed[0];
                    inState.keySet().removeAll(toClear.keySet());
                }
                List<Future<Outcome>> outcomes = new ArrayList<>();
                for (FailedFile f : page) {
                    outcomes.add(pool.submit(() -> requeue(f)));
                }
                for (int i = 0; i < page.size(); i++) {
                    Outcome o = await(outcomes.get(i), outcomes);
                    progress.advance(1);
                    switch (o) {
                        case REQUEUED -> requeued++;
                        case ALREADY_IN_INCOMING -> already++;
                        case GONE -> gone++;
                        default -> {
                            skippedCount++;
                            if (skipped.size() < keepSkipped) {
                                skipped.add(new Skipped(page.get(i), o));
                            }
                        }
                    }
                }
            }
        } finally {
            pool.shutdownNow();
        }
        return new Result(requeued, already, gone, skippedCount, skipped, cleared);
    }

    /** Whether a lister entry is for this very version of the failed file (same key, same etag). */
    static boolean sameVersion(InFlight entry, FailedFile f) {
        return entry != null && f.incomingKey() != null && Etags.same(entry.etag(), f.etag());
    }

    /** One file, all steps. */
    public Outcome requeue(FailedFile f) {
        return switch (copyToIncoming(f)) {
            case COPIED -> removeFromFailed(f) ? Outcome.REQUEUED : Outcome.SKIPPED_CHANGED;
            case ALREADY_THERE -> removeFromFailed(f) ? Outcome.ALREADY_IN_INCOMING : Outcome.SKIPPED_CHANGED;
            case INCOMING_DIFFERS -> Outcome.SKIPPED_INCOMING_DIFFERS;
            case SOURCE_CHANGED -> Outcome.SKIPPED_CHANGED;
            case SOURCE_GONE -> Outcome.GONE;
            case KEY_TOO_LONG -> Outcome.SKIPPED_KEY_TOO_LONG;
        };
    }

    /** Step 2: {@code failed/K} → {@code incoming/K}, unless incoming/K is already there. */
    public Copy copyToIncoming(FailedFile f) {
        if (f.incomingKey() == null) {
            return Copy.KEY_TOO_LONG;
        }
        Optional<HeadObjectResponse> there = head(f.incomingKey());
        if (there.isPresent()) {
            return sameBytes(f, there.get()) ? Copy.ALREADY_THERE : Copy.INCOMING_DIFFERS;
        }
        try {
            copier.copyIfAbsent(bucket, f.failedKey(), f.etag(), f.size(), bucket, f.incomingKey());
            return Copy.COPIED;
        } catch (S3Exception e) {
            if (e.statusCode() == 412 || e.statusCode() == 409) {
                // Either incoming/K appeared since the HEAD (If-None-Match) or failed/K changed (CopySourceIfMatch).
                Optional<HeadObjectResponse> now = head(f.incomingKey());
                if (now.isPresent()) {
                    return sameBytes(f, now.get()) ? Copy.ALREADY_THERE : Copy.INCOMING_DIFFERS;
                }
                return Copy.SOURCE_CHANGED;
            }
            if (S3Objects.missingKey(e)) {
                return Copy.SOURCE_GONE;
            }
            throw e;
        }
    }

    /**
     * Step 3: deletes {@code failed/K} if it is still the version copied, then its error report.
     *
     * @return false when failed/K was replaced by another version since it was listed (both are kept)
     */
    public boolean removeFromFailed(FailedFile f) {
        try {
            s3.deleteObject(b -> b.bucket(bucket).key(f.failedKey()).ifMatch(f.etag()));
        } catch (S3Exception e) {
            if (e.statusCode() == 412) {
                return false;
            }
            if (!S3Objects.missingKey(e)) {
                throw e;
            }
            // Already deleted by an earlier run that died before the report: go on with the report.
        }
        try {
            s3.deleteObject(b -> b.bucket(bucket).key(layout.errorReportKey(f.incomingKey())));
        } catch (S3Exception e) {
            if (!S3Objects.missingKey(e)) {
                throw e;
            }
        }
        return true;
    }

    /** The selected files of failed/, one listed page at a time (memory stays at one page). */
    Iterator<List<FailedFile>> pages(Filter filter) {
        String prefix = layout.failed() + filter.prefix();
        Iterator<ListObjectsV2Response> responses = s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)
                .encodingType(EncodingType.URL)).iterator();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return responses.hasNext();
            }

            @Override
            public List<FailedFile> next() {
                List<FailedFile> page = new ArrayList<>();
                for (S3Object o : responses.next().contents()) {
                    boolean folderMarker = o.key().endsWith("/") && o.size() == 0;
                    if (!folderMarker && o.key().length() > layout.failed().length() && filter.accepts(o)) {
                        page.add(file(o.key(), o.eTag(), o.size(), o.lastModified()));
                    }
                }
                return page;
            }
        };
    }

    private FailedFile file(String failedKey, String etag, long size, Instant lastModified) {
        String incoming = layout.incoming() + failedKey.substring(layout.failed().length());
        return new FailedFile(failedKey, Layout.utf8Length(incoming) <= Layout.MAX_KEY_BYTES ? incoming : null, etag, size,
                lastModified);
    }

    /**
     * Whether incoming/K holds the bytes of failed/K. Equal etags say so; a multipart copy (above
     * 5 GB) gets another etag for the same bytes, so equal sizes with different etags are compared
     * byte for byte, streamed (only after a run died between its copy and its delete).
     */
    private boolean sameBytes(FailedFile f, HeadObjectResponse incoming) {
        if (f.etag().equals(incoming.eTag())) {
            return true;
        }
        if (f.size() != incoming.contentLength()) {
            return false;
        }
        try (ResponseInputStream<GetObjectResponse> a = s3.getObject(b -> b.bucket(bucket).key(f.failedKey()).ifMatch(f.etag()));
             ResponseInputStream<GetObjectResponse> b = s3.getObject(r -> r.bucket(bucket).key(f.incomingKey())
                     .ifMatch(incoming.eTag()))) {
            return sameStream(new BufferedInputStream(a, COMPARE_BUFFER), new BufferedInputStream(b, COMPARE_BUFFER));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean sameStream(InputStream a, InputStream b) throws IOException {
        while (true) {
            int x = a.read();
            int y = b.read();
            if (x != y) {
                return false;
            }
            if (x < 0) {
                return true;
            }
        }
    }

    private Optional<HeadObjectResponse> head(String key) {
        try {
            return Optional.of(s3.headObject(b -> b.bucket(bucket).key(key)));
        } catch (S3Exception e) {
            if (S3Objects.missingKey(e)) {
                return Optional.empty();
            }
            throw e;
        }
    }

    private static Outcome await(Future<Outcome> f, List<Future<Outcome>> all) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            all.forEach(x -> x.cancel(true));
            throw new RepairException("interrupted", e);
        } catch (ExecutionException e) {
            all.forEach(x -> x.cancel(true));
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new RepairException(String.valueOf(e.getCause()), e.getCause());
        }
    }
}
