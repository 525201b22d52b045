package dev.s3loader.loader.destination.redshift;

import dev.s3loader.loader.LoaderException;
import dev.s3loader.loader.TransientLoadException;
import dev.s3loader.loader.destination.Deadline;
import dev.s3loader.loader.destination.Destination;
import dev.s3loader.loader.destination.LoadResult;
import dev.s3loader.model.DatabaseConfig;
import dev.s3loader.model.FileMessage;
import dev.s3loader.model.LoaderConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.logging.Logger;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.redshiftdata.RedshiftDataClient;
import software.amazon.awssdk.services.redshiftdata.model.DescribeStatementResponse;
import software.amazon.awssdk.services.redshiftdata.model.StatusString;
import software.amazon.awssdk.services.redshiftdata.model.SubStatementData;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The {@code redshift} destination: one {@code COPY ... MANIFEST} of the batch through the Data
 * API's BatchExecuteStatement, in one transaction with the ledger insert.
 *
 * <p>Exactly once: files the ledger holds are skipped before the attempt; inside it, the ledger is
 * locked and a check aborts the transaction if any file of the batch got there meanwhile (another
 * worker), in which case the ledger is read again and the rest retried. A statement whose outcome
 * is unknown (no final status before LOAD_TIMEOUT_SECONDS, or polls that fail) is cancelled and
 * settled by reading the ledger: all of its files are there or none are.
 *
 * <p>A COPY that fails on a bad file: SYS_LOAD_ERROR_DETAIL names the file (rejected with its
 * line and column) and the others are retried without it; when it names none, the batch is
 * split in halves until the bad file is alone.
 */
public final class RedshiftDestination implements Destination {
    private static final Logger LOG = Logger.getLogger(RedshiftDestination.class.getName());

    private final DatabaseConfig config;
    private final S3Client s3;
    private final DataApi api;
    private final RedshiftSql sql;
    private final Manifests manifests;
    private final LoadErrors loadErrors;
    private final Semaphore permits;
    private final Duration queryTimeout;
    private volatile List<String> columns;

    public RedshiftDestination(LoaderConfig config, S3Client s3, RedshiftDataClient client) {
        this(config, s3, client, Duration.ofMillis(100));
    }

    /** @param firstPause the first pause between polls (it grows to 5 s); tests shorten it */
    RedshiftDestination(LoaderConfig config, S3Client s3, RedshiftDataClient client, Duration firstPause) {
        this.config = config.database();
        this.s3 = s3;
        this.api = new DataApi(client, this.config.redshift(), firstPause);
        this.sql = new RedshiftSql(this.config);
        this.manifests = new Manifests(s3, config.bucket(), config.layout().manifestPrefix(), this.config.compression());
        this.queryTimeout = this.config.loadTimeout();
        this.loadErrors = new LoadErrors(api, queryTimeout, firstPause.multipliedBy(4));
        this.permits = new Semaphore(this.config.maxConcurrency(), true);
    }

    @Override
    public List<LoadResult> load(List<FileMessage> files, String batchId, Deadline deadline) {
        if (files.isEmpty()) {
            return List.of();
        }
        try {
            permits.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LoaderException("interrupted while waiting for a Redshift slot", e);
        }
        try {
            long started = System.nanoTime();
            List<String> cols = prepare();
            Map<FileMessage, LoadResult> results = new LinkedHashMap<>();
            loadGroup(files, batchId, cols, results);
            LOG.info(String.format("redshift batch %s: %d files (%.2fs)", batchId, files.size(),
                    (System.nanoTime() - started) / 1e9));
            return files.stream().map(results::get).toList();
        } finally {
            permits.release();
        }
    }

    /** Loads a group until every file has a result: pre-check, attempt, and act on how the attempt ended. */
    private void loadGroup(List<FileMessage> group, String batchId, List<String> cols, Map<FileMessage, LoadResult> results) {
        List<FileMessage> pending = new ArrayList<>(group);
        for (int round = 0; !pending.isEmpty(); round++) {
            if (round > 2 * group.size() + 3) {
                throw new LoaderException("batch " + batchId + " did not settle after " + round + " attempts");
            }
            Set<String> loaded = findLoaded(pending);
            pending.removeIf(f -> {
                if (loaded.contains(id(f))) {
                    results.put(f, new LoadResult.AlreadyLoaded(f));
                    return true;
                }
                return false;
            });
            if (pending.isEmpty()) {
                return;
            }
            Attempt a = attempt(pending, batchId, cols);
            switch (a) {
                case Attempt.Committed c -> {
                    pending.forEach(f -> results.put(f, new LoadResult.Loaded(f, 0)));
                    pending.clear();
                }
                case Attempt.Conflict c -> LOG.info("batch " + batchId + ": another worker loaded part of it; reading the ledger again");
                case Attempt.BadFiles b -> {
                    results.putAll(b.rejected());
                    pending.removeAll(b.rejected().keySet());
                }
                case Attempt.SourcesChanged s -> {
                    s.files().forEach(f -> results.put(f, new LoadResult.SourceChanged(f)));
                    pending.removeAll(s.files());
                }
                case Attempt.Unattributed u -> {
                    if (pending.size() == 1) {
                        results.put(pending.getFirst(), new LoadResult.Rejected(pending.getFirst(),
                                "rejected by Redshift COPY: " + u.error(), Map.of("error", u.error())));
                    } else {
                        // No file named: halve until the bad one is alone; the good halves load on the way.
                        int mid = pending.size() / 2;
                        loadGroup(List.copyOf(pending.subList(0, mid)), batchId, cols, results);
                        loadGroup(List.copyOf(pending.subList(mid, pending.size())), batchId, cols, results);
                    }
                    pending.clear();
                }
                case Attempt.Unknown u -> {
                    settleUnknown(pending, u.reason(), results);
                    pending.clear();
                }
            }
        }
    }

    /** How one BatchExecuteStatement ended. */
    sealed interface Attempt {
        record Committed() implements Attempt {
        }

        record Conflict() implements Attempt {
        }

        record BadFiles(Map<FileMessage, LoadResult.Rejected> rejected) implements Attempt {
        }

        record Unattributed(String error) implements Attempt {
        }

        record SourcesChanged(List<FileMessage> files) implements Attempt {
        }

        record Unknown(String reason) implements Attempt {
        }
    }

    private Attempt attempt(List<FileMessage> files, String batchId, List<String> cols) {
        Manifests.Written written = manifests.write(files, batchId);
        try {
            List<RedshiftSql.Step> steps = sql.batch(written.filesUrl(), written.groups(), cols);
            String id = api.submitBatch(steps.stream().map(RedshiftSql.Step::sql).toList());
            Optional<DescribeStatementResponse> done = api.await(id, config.loadTimeout());
            if (done.isEmpty()) {
                api.cancel(id);
                return new Attempt.Unknown("no final status for statement " + id + " within " + config.loadTimeout());
            }
            DescribeStatementResponse d = done.get();
            return switch (d.status()) {
                case FINISHED -> new Attempt.Committed();
                case ABORTED -> throw new TransientLoadException("statement " + id + " was cancelled");
                default -> failed(d, steps, files);
            };
        } finally {
            // Safe even while a given-up statement still runs: a missing manifest can only make it fail.
            manifests.delete(written.keys());
        }
    }

    /** Tells a failed batch apart by the sub-statement that failed. */
    private Attempt failed(DescribeStatementResponse d, List<RedshiftSql.Step> steps, List<FileMessage> files) {
        List<SubStatementData> subs = d.subStatements();
        int index = -1;
        for (int i = 0; i < subs.size(); i++) {
            if (subs.get(i).status() != null && "FAILED".equals(subs.get(i).statusAsString())) {
                index = i;
                break;
            }
        }
        String error = index >= 0 && subs.get(index).error() != null ? subs.get(index).error() : String.valueOf(d.error());
        RedshiftSql.Role role = index >= 0 && index < steps.size() ? steps.get(index).role() : null;
        if (role == RedshiftSql.Role.CHECK) {
            return new Attempt.Conflict();
        }
        if (role == RedshiftSql.Role.COPY) {
            if (RedshiftErrors.loadError(error)) {
                Map<FileMessage, LoadResult.Rejected> bad = loadErrors.find(subs.get(index), files);
                return bad.isEmpty() ? new Attempt.Unattributed(error) : new Attempt.BadFiles(bad);
            }
            // Not the content: a file gone or replaced since the pre-check, or S3 access (an operator's).
            List<FileMessage> changed = changedSources(files);
            if (!changed.isEmpty()) {
                return new Attempt.SourcesChanged(changed);
            }
        }
        String what = "Redshift batch failed" + (role == null ? "" : " at its " + role + " statement") + ": " + error;
        if (RedshiftErrors.transientFailure(error)) {
            throw new TransientLoadException(what);
        }
        throw new LoaderException(what);
    }

    /** Cancelled, then read from the ledger: the transaction put all of its files there or none. */
    private void settleUnknown(List<FileMessage> files, String reason, Map<FileMessage, LoadResult> results) {
        Set<String> loaded = findLoaded(files);
        long found = files.stream().filter(f -> loaded.contains(id(f))).count();
        if (found == files.size()) {
            LOG.warning(reason + "; the ledger shows the batch committed");
            files.forEach(f -> results.put(f, new LoadResult.Loaded(f, 0)));
        } else if (found == 0) {
            LOG.warning(reason + "; the ledger shows it did not commit; back to the queue");
            files.forEach(f -> results.put(f, new LoadResult.Retry(f, reason + " (not committed)")));
        } else {
            throw new LoaderException(reason + "; the ledger holds " + found + " of " + files.size()
                    + " files, which one transaction cannot do");
        }
    }

    private List<FileMessage> changedSources(List<FileMessage> files) {
        List<FileMessage> changed = new ArrayList<>();
        for (FileMessage f : files) {
            try {
                if (!s3.headObject(b -> b.bucket(f.bucket()).key(f.key())).eTag().equals(f.etag())) {
                    changed.add(f);
                }
            } catch (NoSuchKeyException e) {
                changed.add(f);
            } catch (S3Exception e) {
                if (e.statusCode() == 404) {
                    changed.add(f);
                } else {
                    throw new TransientLoadException("cannot check " + f.key() + ": " + e.getMessage(), e);
                }
            } catch (SdkException e) {
                throw new TransientLoadException("cannot check " + f.key() + ": " + e.getMessage(), e);
            }
        }
        return changed;
    }

    /** The (key, etag) pairs of these files that the ledger holds, 50 files a query. */
    private Set<String> findLoaded(List<FileMessage> files) {
        Set<String> found = new HashSet<>();
        for (int from = 0; from < files.size(); from += 50) {
            List<FileMessage> chunk = files.subList(from, Math.min(files.size(), from + 50));
            Map<String, String> p = new LinkedHashMap<>();
            for (int i = 0; i < chunk.size(); i++) {
                p.put("k" + i, chunk.get(i).key());
                p.put("e" + i, chunk.get(i).etag());
            }
            for (List<String> row : api.query(sql.findLoaded(chunk.size()), p, queryTimeout)) {
                found.add(row.get(0) + '\0' + row.get(1));
            }
        }
        return found;
    }

    /** Creates the ledger if missing and settles the merge's column list, once per process. */
    private List<String> prepare() {
        List<String> cols = columns;
        if (cols != null) {
            return cols;
        }
        try {
            api.query(sql.createLedger(), Map.of(), queryTimeout);
        } catch (LoaderException e) {
            // Two processes creating it at once: the loser fails, and the table is there.
            LOG.info("CREATE TABLE IF NOT EXISTS ledger: " + e.getMessage() + "; checking again");
            api.query(sql.createLedger(), Map.of(), queryTimeout);
        }
        cols = config.columns();
        if (cols.isEmpty() && config.mode() == dev.s3loader.model.LoadMode.MERGE) {
            cols = api.query(sql.tableColumns(), sql.tableColumnsParameters(), queryTimeout).stream()
                    .map(r -> r.getFirst()).toList();
            if (cols.isEmpty()) {
                throw new LoaderException("table " + config.requireTable() + " not found (or has no columns)");
            }
        }
        columns = cols;
        return cols;
    }

    private static String id(FileMessage f) {
        return f.key() + '\0' + f.etag();
    }
}
