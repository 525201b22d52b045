package dev.s3loader.loader.destination.redshift;

import dev.s3loader.loader.LoaderException;
import dev.s3loader.loader.TransientLoadException;
import dev.s3loader.loader.destination.Deadline;
import dev.s3loader.loader.destination.Destination;
import dev.s3loader.loader.destination.LedgerSettlement;
import dev.s3loader.loader.destination.LoadResult;
import dev.s3loader.loader.ObjectCopier;
import dev.s3loader.model.ConfigException;
import dev.s3loader.model.DatabaseConfig;
import dev.s3loader.model.FileFormat;
import dev.s3loader.model.FileMessage;
import dev.s3loader.model.LoadMode;
import dev.s3loader.model.LoaderConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import software.amazon.awssdk.services.redshiftdata.RedshiftDataClient;
import software.amazon.awssdk.services.redshiftdata.model.DescribeStatementResponse;
import software.amazon.awssdk.services.redshiftdata.model.SubStatementData;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The {@code redshift} destination: one {@code COPY ... MANIFEST} of the batch through the Data
 * API's BatchExecuteStatement, in one transaction with the ledger insert.
 *
 * <p>Exactly the version named: each file is first copied, on the condition that its etag is
 * unchanged, to an immutable staging key ({@link Staging}); COPY reads those copies, which are
 * deleted after the commit or the failure. A file changed or gone before its copy is
 * {@link LoadResult.SourceChanged}: its new version has its own message.
 *
 * <p>Exactly once: files the ledger holds (by key hash and etag, {@link LedgerId}) are skipped
 * before the attempt; inside it, batches take turns on a lock table of their own (never a lock on
 * the ledger, which would block every worker's ledger reads for as long as a COPY runs) and a
 * check aborts the transaction if any file of the batch got into the ledger meanwhile. That, and
 * Redshift's serializable isolation error 1023, is a conflict: the ledger is read again and the
 * rest retried. A statement whose outcome is unknown (no final status by LOAD_TIMEOUT_SECONDS or
 * the batch's deadline, or polls that keep failing) is cancelled and settled by reading the ledger
 * ({@link LedgerSettlement}); what that cannot settle goes back to the queue, never loaded twice.
 *
 * <p>A COPY that fails on a bad file: the load error view names the file (rejected with its line
 * and column; {@link LoadErrors}: STL_LOAD_ERRORS on a cluster, SYS_LOAD_ERROR_DETAIL on
 * Serverless) and the others are retried without it; a file COPY cannot decompress is named by
 * the error itself (its S3 key); when nothing names it, the batch is split in halves until the bad
 * file is alone. COPY denied by S3 or KMS is a configuration error, never a bad file.
 */
public final class RedshiftDestination implements Destination {
    private static final Logger LOG = Logger.getLogger(RedshiftDestination.class.getName());
    /** A settlement read after a statement was given up: short, since its answer can also come on redelivery. */
    private static final Duration SETTLE_READ = Duration.ofSeconds(10);
    private static final Duration MIN_READ = Duration.ofSeconds(1);
    /** Conflicts with other writers in a row before the files go back to the queue. */
    private static final int MAX_CONFLICTS = 5;
    private static final int MAX_IDENTIFIER_BYTES = 127;

    private final DatabaseConfig config;
    private final DataApi api;
    private final RedshiftSql sql;
    private final Manifests manifests;
    private final Staging staging;
    private final LoadErrors loadErrors;
    private final Semaphore permits;
    private final Duration queryTimeout;
    private final RedshiftPreflight preflight;
    private volatile List<String> columns;

    /**
     * @param copier  copies each file version to its staging key (CopySourceIfMatch, multipart above the threshold)
     * @param workers runs the staging copies in parallel; bounded by its size
     */
    public RedshiftDestination(LoaderConfig config, S3Client s3, RedshiftDataClient client, ObjectCopier copier,
                               ExecutorService workers) {
        this(config, s3, client, copier, workers, Duration.ofMillis(100));
    }

    /** @param firstPause the first pause between polls (it grows to 5 s); tests shorten it */
    RedshiftDestination(LoaderConfig config, S3Client s3, RedshiftDataClient client, ObjectCopier copier,
                        ExecutorService workers, Duration firstPause) {
        this.config = config.database();
        if (RedshiftSql.checkProcedure(this.config.ledgerTable()).longestPartBytes() > MAX_IDENTIFIER_BYTES) {
            throw new ConfigException("DB_LEDGER_TABLE '" + this.config.ledgerTable() + "' is too long: the lock table "
                    + "'<ledger>_lock' and the procedure '<ledger>_check' must fit Redshift's " + MAX_IDENTIFIER_BYTES
                    + "-byte identifier limit");
        }
        if (this.config.mode() == LoadMode.MERGE
                && RedshiftSql.mergeLockTable(this.config.requireTable()).longestPartBytes() > MAX_IDENTIFIER_BYTES) {
            throw new ConfigException("DB_TABLE '" + this.config.requireTable() + "' is too long for a merge: its lock table "
                    + "'<table>_s3loader_lock' must fit Redshift's " + MAX_IDENTIFIER_BYTES + "-byte identifier limit");
        }
        this.api = new DataApi(client, this.config.redshift(), firstPause);
        this.sql = new RedshiftSql(this.config, bucketRegion(s3));
        this.manifests = new Manifests(s3, config.bucket(), config.layout().manifestPrefix(), this.config.compression());
        this.staging = new Staging(s3, copier, workers, config.bucket(), config.layout().internal() + "staging/");
        this.queryTimeout = this.config.loadTimeout();
        this.loadErrors = new LoadErrors(api, this.config.redshift().clusterId().isPresent(), queryTimeout,
                firstPause.multipliedBy(4));
        this.permits = new Semaphore(this.config.maxConcurrency(), true);
        this.preflight = new RedshiftPreflight(this.config, api, s3, config.bucket(), config.layout().manifestPrefix());
    }

    @Override
    public List<dev.s3loader.model.CheckItem> preflight() {
        return preflight.run();
    }

    @Override
    public List<LoadResult> load(List<FileMessage> files, String batchId, Deadline deadline) {
        if (files.isEmpty()) {
            return List.of();
        }
        if (!acquire(deadline)) {
            return LedgerSettlement.handBack(files, "no Redshift slot came free before the batch's deadline");
        }
        try {
            long started = System.nanoTime();
            Map<FileMessage, LoadResult> results = new LinkedHashMap<>();
            try {
                run(files, batchId, deadline, results);
            } catch (RuntimeException e) {
                if (results.isEmpty()) {
                    throw e; // nothing done: the batch goes back as a whole
                }
                // Part of the batch has its outcome (loaded halves of a bisection): keep it, hand back the rest.
                LOG.warning("redshift batch " + batchId + ": " + e.getMessage() + "; " + results.size() + " of "
                        + files.size() + " files settled, the rest go back to the queue");
                files.forEach(f -> results.putIfAbsent(f, new LoadResult.Retry(f, e.getMessage())));
            }
            LOG.info(String.format("redshift batch %s: %d files (%.2fs)", batchId, files.size(),
                    (System.nanoTime() - started) / 1e9));
            return files.stream().map(results::get).toList();
        } finally {
            permits.release();
        }
    }

    private boolean acquire(Deadline deadline) {
        try {
            if (deadline.isNone()) {
                permits.acquire();
                return true;
            }
            return permits.tryAcquire(deadline.remaining().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LoaderException("interrupted while waiting for a Redshift slot", e);
        }
    }

    private void run(List<FileMessage> files, String batchId, Deadline deadline, Map<FileMessage, LoadResult> results) {
        if (deadline.passed()) {
            LedgerSettlement.handBack(files, "the batch's deadline passed before its load began")
                    .forEach(r -> results.put(r.file(), r));
            return;
        }
        List<String> cols = prepare(deadline);
        List<FileMessage> pending = notYetLoaded(files, deadline, results);
        if (pending.isEmpty()) {
            return;
        }
        Staging.Result staged = staging.stage(pending, batchId);
        try {
            results.putAll(staged.notStaged());
            List<FileMessage> toLoad = pending.stream().filter(staged.keys()::containsKey).toList();
            if (!toLoad.isEmpty()) {
                loadGroup(toLoad, staged.keys(), batchId, cols, deadline, results, true);
            }
        } finally {
            staging.delete(staged.allKeys());
        }
    }

    /** The files the ledger does not hold; the others are AlreadyLoaded. */
    private List<FileMessage> notYetLoaded(List<FileMessage> files, Deadline deadline, Map<FileMessage, LoadResult> results) {
        Set<LedgerId> loaded = findLoaded(files, readTimeout(deadline));
        List<FileMessage> pending = new ArrayList<>();
        for (FileMessage f : files) {
            if (loaded.contains(LedgerId.of(f))) {
                results.put(f, new LoadResult.AlreadyLoaded(f));
            } else {
                pending.add(f);
            }
        }
        return pending;
    }

    /**
     * Loads a group until every file has a result: attempt, act on how it ended, read the ledger
     * again before the next attempt ({@code ledgerFresh}: it was just read).
     */
    private void loadGroup(List<FileMessage> group, Map<FileMessage, String> staged, String batchId, List<String> cols,
                           Deadline deadline, Map<FileMessage, LoadResult> results, boolean ledgerFresh) {
        List<FileMessage> pending = new ArrayList<>(group);
        int conflicts = 0;
        boolean fresh = ledgerFresh;
        while (!pending.isEmpty()) {
            if (!fresh) {
                pending = notYetLoaded(pending, deadline, results);
                if (pending.isEmpty()) {
                    return;
                }
            }
            fresh = false;
            if (deadline.passed()) {
                handBack(pending, "the batch's deadline passed before this part was loaded", results);
                return;
            }
            Attempt a = attempt(pending, staged, batchId, cols, deadline);
            switch (a) {
                case Attempt.Committed c -> {
                    pending.forEach(f -> results.put(f, new LoadResult.Loaded(f, 0)));
                    return;
                }
                case Attempt.Conflict c -> {
                    if (++conflicts > MAX_CONFLICTS) {
                        handBack(pending, "conflicted with other writers " + conflicts + " times in a row: " + c.error(), results);
                        return;
                    }
                    LOG.info("batch " + batchId + ": conflict with another writer (" + c.error() + "); reading the ledger again");
                }
                case Attempt.BadFiles b -> {
                    results.putAll(b.rejected());
                    pending.removeAll(b.rejected().keySet());
                }
                case Attempt.Unattributed u -> {
                    if (pending.size() == 1) {
                        results.put(pending.getFirst(), new LoadResult.Rejected(pending.getFirst(),
                                "rejected by Redshift COPY: " + u.error(), Map.of("error", u.error())));
                    } else {
                        // No file named: halve until the bad one is alone; the good halves load on the way.
                        int mid = pending.size() / 2;
                        loadGroup(List.copyOf(pending.subList(0, mid)), staged, batchId, cols, deadline, results, true);
                        loadGroup(List.copyOf(pending.subList(mid, pending.size())), staged, batchId, cols, deadline,
                                results, true);
                    }
                    return;
                }
                case Attempt.Unknown u -> {
                    settle(pending, u.reason(), results);
                    return;
                }
            }
        }
    }

    /** How one BatchExecuteStatement ended. */
    sealed interface Attempt {
        record Committed() implements Attempt {
        }

        /** Another writer got there first (the ledger check) or could not be serialized with us (1023). */
        record Conflict(String error) implements Attempt {
        }

        record BadFiles(Map<FileMessage, LoadResult.Rejected> rejected) implements Attempt {
        }

        record Unattributed(String error) implements Attempt {
        }

        /** No final status we can trust: the ledger says what happened. */
        record Unknown(String reason) implements Attempt {
        }
    }

    private Attempt attempt(List<FileMessage> files, Map<FileMessage, String> staged, String batchId, List<String> cols,
                            Deadline deadline) {
        Manifests.Written written = manifests.write(files, staged, batchId);
        try {
            List<RedshiftSql.Step> steps = sql.batch(written.filesUrl(), written.groups(), cols);
            String id = api.submitBatch(steps.stream().map(RedshiftSql.Step::sql).toList());
            Duration wait = min(config.loadTimeout(), deadline.remaining());
            Optional<DescribeStatementResponse> done = api.await(id, wait);
            if (done.isEmpty()) {
                api.cancel(id);
                return new Attempt.Unknown("no final status for statement " + id + " within " + wait
                        + (wait.compareTo(config.loadTimeout()) < 0 ? " (the batch's deadline)" : " (LOAD_TIMEOUT_SECONDS)"));
            }
            DescribeStatementResponse d = done.get();
            return switch (d.status()) {
                case FINISHED -> new Attempt.Committed();
                case ABORTED -> new Attempt.Unknown("statement " + id + " was cancelled");
                default -> failed(d, steps, files, staged);
            };
        } finally {
            // Safe even while a given-up statement still runs: a missing manifest can only make it fail.
            manifests.delete(written.keys());
        }
    }

    /** Tells a failed batch apart by the sub-statement that failed and its error. */
    private Attempt failed(DescribeStatementResponse d, List<RedshiftSql.Step> steps, List<FileMessage> files,
                           Map<FileMessage, String> staged) {
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
        // Only the check's own exception is another writer's doing; any other failure of it (permission denied,
        // a missing procedure) is not, and retrying it as a conflict would only hide it.
        if ((role == RedshiftSql.Role.CHECK && error.contains(RedshiftSql.ALREADY_LOADED))
                || RedshiftErrors.serializationConflict(error)) {
            return new Attempt.Conflict(error);
        }
        if ((role == RedshiftSql.Role.COPY || role == RedshiftSql.Role.FILES) && RedshiftErrors.accessDenied(error)) {
            // Not the files' fault and not transient: the batch goes back to the queue until the setting is fixed.
            throw new LoaderException("configuration: Redshift COPY was denied reading s3://" + staging.bucket()
                    + "/ with REDSHIFT_IAM_ROLE " + config.redshift().iamRole().orElse("") + ": that role needs s3:GetObject "
                    + "on _s3loader/staging/* and _s3loader/manifests/*, s3:ListBucket, and on an SSE-KMS bucket kms:Decrypt "
                    + "on the bucket's key (and the key policy allowing it): " + error);
        }
        if (role == RedshiftSql.Role.COPY && RedshiftErrors.unreadableFile(error)) {
            // A file COPY cannot decompress fails the statement with an error naming its S3 key (code 9001), not
            // with a load error: that file alone is bad, the rest load without it.
            Map<FileMessage, LoadResult.Rejected> bad = new LinkedHashMap<>();
            for (FileMessage f : files) {
                if (names(error, Manifests.url(staging.bucket(), staged.get(f)))) {
                    bad.put(f, new LoadResult.Rejected(f, "rejected by Redshift COPY: the file cannot be decompressed: "
                            + error, Map.of("error", error, "errorCode", "9001")));
                }
            }
            if (bad.size() == 1) {
                return new Attempt.BadFiles(bad);
            }
        }
        if (role == RedshiftSql.Role.COPY && config.format() == FileFormat.PARQUET && RedshiftErrors.columnarFileError(error)) {
            // COPY from Parquet fails the statement on the first bad file, with an error naming that file
            // (copy-usage_notes-copy-from-columnar: no MAXERROR, not always a load-error row): it alone is rejected.
            Map<FileMessage, LoadResult.Rejected> bad = new LinkedHashMap<>();
            for (FileMessage f : files) {
                String url = Manifests.url(staging.bucket(), staged.get(f));
                if (names(error, url) || names(error, "/" + url.substring("s3://".length()))) {
                    bad.put(f, new LoadResult.Rejected(f, "rejected by Redshift COPY FORMAT AS PARQUET: " + error,
                            Map.of("error", error)));
                }
            }
            if (bad.size() == 1) {
                return new Attempt.BadFiles(bad);
            }
        }
        if (role == RedshiftSql.Role.COPY && RedshiftErrors.loadError(error)) {
            Map<String, FileMessage> byUrl = new LinkedHashMap<>();
            files.forEach(f -> byUrl.put(Manifests.url(staging.bucket(), staged.get(f)), f));
            Map<FileMessage, LoadResult.Rejected> bad = loadErrors.find(subs.get(index), d.redshiftPid(), byUrl);
            return bad.isEmpty() ? new Attempt.Unattributed(error) : new Attempt.BadFiles(bad);
        }
        String what = "Redshift batch failed" + (role == null ? "" : " at its " + role + " statement") + ": " + error;
        if (RedshiftErrors.transientFailure(error)) {
            throw new TransientLoadException(what);
        }
        throw new LoaderException(what);
    }

    /** Cancelled, then read from the ledger; a ledger that cannot answer now answers on redelivery. */
    private void settle(List<FileMessage> files, String reason, Map<FileMessage, LoadResult> results) {
        Set<LedgerId> loaded;
        try {
            loaded = findLoaded(files, min(queryTimeout, SETTLE_READ));
        } catch (LoaderException e) {
            LOG.warning(reason + "; the ledger could not be read (" + e.getMessage() + "); back to the queue");
            handBack(files, reason + "; the ledger settles it on redelivery", results);
            return;
        }
        LedgerSettlement.Settled s = LedgerSettlement.settle(files, f -> loaded.contains(LedgerId.of(f)), reason);
        LOG.warning(reason + "; the ledger holds " + s.found().name().toLowerCase(java.util.Locale.ROOT) + " of its "
                + files.size() + " files");
        s.results().forEach(r -> results.put(r.file(), r));
    }

    private static void handBack(List<FileMessage> files, String reason, Map<FileMessage, LoadResult> results) {
        LedgerSettlement.handBack(files, reason).forEach(r -> results.put(r.file(), r));
    }

    /** The (key hash, etag) pairs of these files that the ledger holds, 50 files a query. */
    private Set<LedgerId> findLoaded(List<FileMessage> files, Duration timeout) {
        Set<LedgerId> found = new HashSet<>();
        for (int from = 0; from < files.size(); from += 50) {
            List<FileMessage> chunk = files.subList(from, Math.min(files.size(), from + 50));
            Map<String, String> p = new LinkedHashMap<>();
            for (int i = 0; i < chunk.size(); i++) {
                p.put("h" + i, LedgerId.keyHash(chunk.get(i).key()));
                p.put("e" + i, chunk.get(i).etag());
            }
            for (List<String> row : api.query(sql.findLoaded(chunk.size()), p, timeout)) {
                found.add(new LedgerId(row.get(0), row.get(1)));
            }
        }
        return found;
    }

    /** A ledger read: bounded by the load timeout and the deadline (but given a moment even at the deadline). */
    private Duration readTimeout(Deadline deadline) {
        return min(queryTimeout, max(deadline.remaining(), MIN_READ));
    }

    /**
     * Runs a CREATE that other loaders may run at the same moment (cold starts on a new ledger). The
     * loser of such a race fails with the catalog's duplicate-key error, not "already exists": it asks
     * once more, and then "already exists" (the check procedure, which has no IF NOT EXISTS) is the
     * answer it wanted.
     */
    private void create(String ddl, Duration timeout) {
        for (int attempt = 1; ; attempt++) {
            try {
                api.query(ddl, Map.of(), timeout);
                return;
            } catch (TransientLoadException e) {
                throw e;
            } catch (LoaderException e) {
                if (String.valueOf(e.getMessage()).contains("already exists")) {
                    return; // created by this or another loader (perhaps another database user)
                }
                if (attempt == 2) {
                    throw e;
                }
                LOG.info(ddl + ": " + e.getMessage() + "; checking again");
            }
        }
    }

    /** Creates the ledger and the lock table if missing and settles the merge's column list, once per process. */
    private List<String> prepare(Deadline deadline) {
        List<String> cols = columns;
        if (cols != null) {
            return cols;
        }
        Duration timeout = readTimeout(deadline);
        List<String> ddls = new ArrayList<>(List.of(sql.createLedger(), sql.createLock(), sql.createCheckProcedure()));
        if (config.mode() == LoadMode.MERGE) {
            ddls.add(sql.createMergeLock());
        }
        for (String ddl : ddls) {
            create(ddl, timeout);
        }
        try {
            api.query(sql.checkLedgerLayout(), Map.of(), timeout);
        } catch (TransientLoadException e) {
            throw e;
        } catch (LoaderException e) {
            throw new LoaderException("the ledger " + config.ledgerTable() + " lacks the columns this version keys it by "
                    + "(key_sha256, key, etag); point DB_LEDGER_TABLE at a new table or migrate it: " + e.getMessage(), e);
        }
        cols = config.columns();
        if (cols.isEmpty() && config.mode() == LoadMode.MERGE) {
            try {
                cols = api.columns(sql.tableColumns(), timeout);
            } catch (TransientLoadException e) {
                throw e;
            } catch (LoaderException e) {
                throw new LoaderException("table " + config.requireTable() + " not found (Redshift folds the name to "
                        + "lower case unless enable_case_sensitive_identifier is on): " + e.getMessage(), e);
            }
            if (cols.isEmpty()) {
                throw new LoaderException("table " + config.requireTable() + " has no columns");
            }
        }
        columns = cols;
        return cols;
    }

    /** The region the loader's S3 client reaches the bucket in, which is the bucket's (else its calls would fail). */
    private static String bucketRegion(S3Client s3) {
        software.amazon.awssdk.regions.Region r = s3.serviceClientConfiguration().region();
        return (r == null ? dev.s3loader.clients.AwsClients.region() : r).id();
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /**
     * The error names this URL, not merely a longer one it begins (staging keys end in the file's
     * number: ".../1" is the start of ".../12").
     */
    static boolean names(String error, String url) {
        for (int i = error.indexOf(url); i >= 0; i = error.indexOf(url, i + 1)) {
            int end = i + url.length();
            if (end == error.length() || !Character.isLetterOrDigit(error.charAt(end))) {
                return true;
            }
        }
        return false;
    }
}
