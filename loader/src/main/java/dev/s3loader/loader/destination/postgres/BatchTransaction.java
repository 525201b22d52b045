package dev.s3loader.loader.destination.postgres;

import dev.s3loader.loader.destination.LoadResult;
import dev.s3loader.model.DatabaseConfig;
import dev.s3loader.model.FileFormat;
import dev.s3loader.model.FileMessage;
import dev.s3loader.model.LoadMode;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * One batch in one transaction: for each file, in its own savepoint, claim its ledger row, then
 * COPY it. A file whose row the ledger already holds is skipped; a file the database rejects is
 * rolled back to its savepoint alone and reported with the database's line and column; the rest
 * commit together with their ledger rows. Any other SQL failure aborts the whole transaction and
 * is thrown: nothing of the batch is then loaded.
 *
 * <p>The batch's {@link LoadBudget} bounds it: every statement runs under a statement_timeout
 * that ends with the work time, a stalled file body is aborted by the {@link CopyWatchdog}, and
 * no file is started without room for it. The file that runs out of time is rolled back to its
 * savepoint and, with every file not started, handed back as {@link LoadResult.Retry}; what is
 * done commits. A retried file's claim is rolled back with it, so its next delivery loads it once.
 */
final class BatchTransaction {
    private static final Logger LOG = Logger.getLogger(BatchTransaction.class.getName());
    private static final Comparator<FileMessage> CLAIM_ORDER =
            Comparator.comparing(FileMessage::key).thenComparing(FileMessage::etag);

    private final Connection c;
    private final DatabaseConfig config;
    private final PostgresSql sql;
    private final FileSource source;
    private final List<String> columns;
    private final String batchId;
    private final LoadBudget budget;
    private final CopyWatchdog watchdog;
    /** Set once a file ran out of time: no further file is started. */
    private boolean outOfTime;

    BatchTransaction(Connection c, DatabaseConfig config, PostgresSql sql, FileSource source, List<String> columns,
                     String batchId, LoadBudget budget, CopyWatchdog watchdog) {
        this.c = c;
        this.config = config;
        this.sql = sql;
        this.source = source;
        this.columns = columns;
        this.batchId = batchId;
        this.budget = budget;
        this.watchdog = watchdog;
    }

    /**
     * Loads the files and leaves the transaction open, ready to commit; the caller commits (and
     * settles a lost COMMIT) or rolls back.
     */
    Map<FileMessage, LoadResult> run(List<FileMessage> files) throws SQLException {
        c.setAutoCommit(false);
        statementTimeout(budget.workStatementTimeoutMillis());
        try (Statement s = c.createStatement()) {
            if (config.preSql().isPresent()) {
                s.execute(config.preSql().get());
            }
            if (config.format() == FileFormat.JSON) {
                s.execute(sql.createJsonStage());
            }
            if (config.mode() == LoadMode.MERGE) {
                for (String q : sql.createMergeStage()) {
                    s.execute(q);
                }
            }
        }
        Map<FileMessage, LoadResult> results = new LinkedHashMap<>();
        // Claims in one global order: two batches sharing files wait for each other instead of deadlocking.
        for (FileMessage f : files.stream().sorted(CLAIM_ORDER).toList()) {
            if (outOfTime || !budget.roomForAnotherFile()) {
                outOfTime = true;
                results.put(f, new LoadResult.Retry(f, "not started: the batch's deadline was near"));
                continue;
            }
            Instant started = budget.now();
            statementTimeout(budget.workStatementTimeoutMillis());
            results.put(f, loadOne(f));
            budget.fileTook(started);
        }
        if (outOfTime) {
            LOG.warning("batch " + batchId + " stopped at its deadline: "
                    + results.values().stream().filter(r -> r instanceof LoadResult.Retry).count() + " of "
                    + files.size() + " files go back to the queue");
        }
        boolean anyLoaded = results.values().stream().anyMatch(r -> r instanceof LoadResult.Loaded);
        statementTimeout(budget.finishStatementTimeoutMillis());
        try (Statement s = c.createStatement()) {
            if (anyLoaded && config.mode() == LoadMode.MERGE) {
                for (String q : sql.merge(columns)) {
                    s.execute(q);
                }
            }
            if (config.postSql().isPresent()) {
                s.execute(config.postSql().get());
            }
        }
        return results;
    }

    private LoadResult loadOne(FileMessage f) throws SQLException {
        Savepoint sp = c.setSavepoint();
        try {
            if (!claim(f)) {
                c.releaseSavepoint(sp);
                return new LoadResult.AlreadyLoaded(f);
            }
        } catch (SQLException e) {
            if (!PgErrors.cancelled(e)) {
                throw e;
            }
            // The claim waited on another transaction's claim of the same file until the work time ran out.
            c.rollback(sp);
            outOfTime = true;
            return new LoadResult.Retry(f, "not loaded: the batch's deadline passed while waiting for another "
                    + "worker's claim on this file");
        }
        Optional<FileSource.Opened> opened;
        try {
            opened = source.open(f);
        } catch (RuntimeException e) {
            c.rollback(sp);
            return new LoadResult.Retry(f, "cannot read the file from S3: " + e.getMessage());
        }
        if (opened.isEmpty()) {
            c.rollback(sp);
            return new LoadResult.SourceChanged(f);
        }
        try (FileSource.Opened in = opened.get(); CopyWatchdog.Guard guard = watchdog.watch(in, budget)) {
            long rows = copy(in);
            if (rows == 0) {
                // Nothing to load can be a producer's mistake as easily as a real empty export: a person decides.
                c.rollback(sp);
                String reason = f.size() == 0 ? "the file is empty (0 bytes): no rows to load"
                        : "the file holds no rows (only a header, or nothing but blank lines)";
                return new LoadResult.Rejected(f, reason, Map.of("rows", "0", "bytes", Long.toString(f.size())));
            }
            try (PreparedStatement p = c.prepareStatement(sql.recordRows())) {
                p.setLong(1, rows);
                p.setString(2, f.key());
                p.setString(3, f.etag());
                p.executeUpdate();
            }
            c.releaseSavepoint(sp);
            return new LoadResult.Loaded(f, rows);
        } catch (SQLException | IOException e) {
            return failed(f, sp, opened.get(), e);
        }
    }

    /** Settles a file whose COPY failed: its savepoint is rolled back; the cause decides what happens to it. */
    private LoadResult failed(FileMessage f, Savepoint sp, FileSource.Opened in, Exception e) throws SQLException {
        if (in.abortedForDeadline()) {
            return outOfTime(f, sp);
        }
        if (in.readFailure().isPresent()) {
            c.rollback(sp);
            return new LoadResult.Retry(f, "reading the file from S3 failed: " + in.readFailure().get().getMessage());
        }
        if (in.formatFailure().isPresent()) {
            c.rollback(sp);
            return new LoadResult.Rejected(f, "not a valid gzip file: " + in.formatFailure().get().getMessage(),
                    Map.of("error", String.valueOf(in.formatFailure().get().getMessage())));
        }
        if (e instanceof SQLException q && PgErrors.cancelled(q)) {
            return outOfTime(f, sp); // the statement_timeout, which ends with the work time
        }
        if (e instanceof SQLException q && PgErrors.fileFault(q) && !PgErrors.connectionLost(q)) {
            c.rollback(sp);
            Map<String, String> detail = new LinkedHashMap<>(PgErrors.detail(q));
            if (config.format() == FileFormat.JSON && "doc".equals(detail.get("column"))) {
                detail.remove("column"); // the staging column, not one of the table's
            }
            LOG.info("file " + f.key() + " rejected: " + PgErrors.reason(detail));
            return new LoadResult.Rejected(f, PgErrors.reason(detail), detail);
        }
        if (e instanceof SQLException q) {
            throw q;
        }
        throw new SQLException("COPY failed: " + e.getMessage(), "08006", e);
    }

    private LoadResult outOfTime(FileMessage f, Savepoint sp) throws SQLException {
        c.rollback(sp);
        outOfTime = true;
        return new LoadResult.Retry(f, "not loaded: the batch's deadline passed while the file was loading");
    }

    /** SET LOCAL statement_timeout: it ends with the transaction, so a pooled connection keeps no limit. */
    private void statementTimeout(long millis) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("SELECT set_config('statement_timeout', ?, true)")) {
            p.setString(1, Long.toString(millis));
            p.execute();
        }
    }

    private boolean claim(FileMessage f) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(sql.claim())) {
            p.setString(1, f.key());
            p.setString(2, f.etag());
            p.setLong(3, f.size());
            p.setString(4, batchId);
            return p.executeUpdate() == 1;
        }
    }

    private long copy(FileSource.Opened in) throws SQLException, IOException {
        CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
        String into = config.mode() == LoadMode.MERGE ? PostgresSql.MERGE_STAGE : sql.target();
        if (config.format() == FileFormat.CSV) {
            return copy.copyIn(sql.copyCsv(into, columns), in.stream(), 64 * 1024);
        }
        copy.copyIn(sql.copyJson(), in.stream(), 64 * 1024);
        try (Statement s = c.createStatement()) {
            long rows = s.executeUpdate(sql.insertJson(into, columns));
            s.execute(sql.clearJsonStage());
            return rows;
        }
    }
}
