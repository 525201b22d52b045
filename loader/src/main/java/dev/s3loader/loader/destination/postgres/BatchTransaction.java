package dev.s3loader.loader.destination.postgres;

import dev.s3loader.loader.destination.LoadResult;
import dev.s3loader.model.ColumnMatch;
import dev.s3loader.loader.format.parquet.BytesParquetFile;
import dev.s3loader.loader.format.parquet.ParquetRows;
import dev.s3loader.loader.format.parquet.S3ParquetFile;
import dev.s3loader.model.DatabaseConfig;
import dev.s3loader.model.FileFormat;
import dev.s3loader.model.FileMessage;
import dev.s3loader.model.LoadMode;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;
import org.apache.parquet.io.InputFile;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * One batch in one transaction: claim every file's ledger row in one statement, then COPY each
 * claimed file in its own savepoint, then record the row counts (and drop the claims of files not
 * loaded) in one statement. A file whose row the ledger already holds is skipped; a file the
 * database rejects is rolled back to its savepoint alone and reported with the database's line
 * and column; the rest commit together with their ledger rows. Any other SQL failure aborts the
 * whole transaction and is thrown: nothing of the batch is then loaded.
 *
 * <p>Round trips are what a batch of small files costs, so a file takes three: its savepoint
 * (with the previous file's release and its statement_timeout), the COPY's start and its end.
 * Small files are read from S3 ahead of their turn ({@link ReadAhead}), so the connection does not
 * wait for a GET per file.
 *
 * <p>The batch's {@link LoadBudget} bounds it: every statement runs under a statement_timeout
 * that ends with the work time, a stalled file body is aborted by the {@link CopyWatchdog} (or,
 * read ahead, by the wait for it), and no file is started without room for it. The file that runs
 * out of time is rolled back to its savepoint and, with every file not started, handed back as
 * {@link LoadResult.Retry}; what is done commits. A retried file's claim is dropped in the same
 * transaction, so its next delivery loads it once.
 *
 * <p>Each loaded or already loaded file's result carries the ledger's loaded_at: the claim returns
 * it for the files this transaction claims, and one query reads it for the files the ledger held.
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
    /** The drift rule for CSV_HEADER=match and JSON keys; null when files map by position (CSV without match). */
    private final ColumnMatch match;
    private final String batchId;
    private final LoadBudget budget;
    private final CopyWatchdog watchdog;
    /** Reads small files ahead of their turn, in {@link #claimOrder}. */
    private final ReadAhead ahead;
    /** The ledger's loaded_at of each file this transaction claimed, by (key, etag). */
    private Map<String, Instant> claimedAt = Map.of();
    /** Set once a file ran out of time: no further file is started. */
    private boolean outOfTime;
    /** Whether the last file's savepoint is still to be released (done in the next file's first round trip). */
    private boolean savepointOpen;
    /** One name for every file's savepoint: each is released before the next is set. */
    private static final String SAVEPOINT = "s3loader_file";
    /** FILE_FORMAT=parquet: the table's column types, read at the batch's first file. */
    private ParquetCopy parquet;

    BatchTransaction(Connection c, DatabaseConfig config, PostgresSql sql, FileSource source, List<String> columns,
                     ColumnMatch match, String batchId, LoadBudget budget, CopyWatchdog watchdog, ReadAhead ahead) {
        this.c = c;
        this.config = config;
        this.sql = sql;
        this.source = source;
        this.columns = columns;
        this.match = match;
        this.batchId = batchId;
        this.budget = budget;
        this.watchdog = watchdog;
        this.ahead = ahead;
    }

    /** The order a batch's files are claimed and loaded in: one global order, so two batches never deadlock. */
    static List<FileMessage> claimOrder(List<FileMessage> files) {
        return files.stream().sorted(CLAIM_ORDER).toList();
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
        List<FileMessage> ordered = claimOrder(files);
        List<FileMessage> toLoad = new ArrayList<>();
        List<Integer> positions = new ArrayList<>();
        if (!budget.roomForAnotherFile()) {
            outOfTime = true;
            ordered.forEach(f -> results.put(f, new LoadResult.Retry(f, "not started: the batch's deadline was near")));
        } else {
            Map<String, Instant> claimed = claimAll(ordered);
            if (claimed == null) {
                return sameFor(ordered, f -> new LoadResult.Retry(f, "not loaded: the batch's deadline passed "
                        + "while waiting for another worker's claim on one of its files"));
            }
            claimedAt = claimed;
            Set<String> seen = new HashSet<>();
            List<FileMessage> held = new ArrayList<>();
            for (int i = 0; i < ordered.size(); i++) {
                FileMessage f = ordered.get(i);
                if (claimed.containsKey(id(f)) && seen.add(id(f))) {
                    toLoad.add(f);
                    positions.add(i);
                } else {
                    held.add(f);
                }
            }
            Map<String, Instant> heldAt = loadTimes(held);
            held.forEach(f -> results.put(f, new LoadResult.AlreadyLoaded(f, heldAt.get(id(f)))));
        }
        for (int i = 0; i < toLoad.size(); i++) {
            FileMessage f = toLoad.get(i);
            if (outOfTime || !budget.roomForAnotherFile()) {
                outOfTime = true;
                results.put(f, new LoadResult.Retry(f, "not started: the batch's deadline was near"));
                continue;
            }
            Instant started = budget.now();
            results.put(f, loadOne(f, ahead.take(positions.get(i), budget)));
            budget.fileTook(started);
        }
        if (outOfTime) {
            LOG.warning("batch " + batchId + " stopped at its deadline: "
                    + results.values().stream().filter(r -> r instanceof LoadResult.Retry).count() + " of "
                    + files.size() + " files go back to the queue");
        }
        boolean anyLoaded = results.values().stream().anyMatch(r -> r instanceof LoadResult.Loaded);
        try (Statement s = c.createStatement()) {
            s.execute(releaseOpenSavepoint() + setTimeout(budget.finishStatementTimeoutMillis()));
        }
        settleClaims(toLoad, results);
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

    /** Every file with the same result, in the batch's claim order, after the transaction was rolled back. */
    private static Map<FileMessage, LoadResult> sameFor(List<FileMessage> ordered,
                                                 java.util.function.Function<FileMessage, LoadResult> result) {
        Map<FileMessage, LoadResult> out = new LinkedHashMap<>();
        ordered.forEach(f -> out.put(f, result.apply(f)));
        return out;
    }

    /**
     * Inserts the ledger rows of all the files in one statement, in claim order, and returns the
     * ones this transaction claimed, with their loaded_at (the others the ledger holds already). A
     * claim another transaction holds uncommitted makes it wait; when that wait outlives the work
     * time the whole transaction is rolled back (nothing was loaded yet) and null returned.
     */
    private Map<String, Instant> claimAll(List<FileMessage> ordered) throws SQLException {
        Map<String, Instant> claimed = new HashMap<>();
        try (PreparedStatement p = c.prepareStatement(sql.claimAll())) {
            p.setString(1, batchId);
            p.setArray(2, c.createArrayOf("text", ordered.stream().map(FileMessage::key).toArray()));
            p.setArray(3, c.createArrayOf("text", ordered.stream().map(FileMessage::etag).toArray()));
            p.setArray(4, c.createArrayOf("int8", ordered.stream().map(FileMessage::size).toArray()));
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    claimed.put(id(rs.getString(1), rs.getString(2)), rs.getObject(3, OffsetDateTime.class).toInstant());
                }
            }
        } catch (SQLException e) {
            if (!PgErrors.cancelled(e)) {
                throw e;
            }
            c.rollback();
            outOfTime = true;
            return null;
        }
        return claimed;
    }

    /** The ledger's loaded_at of files it holds, by (key, etag): one query, none for no file. */
    private Map<String, Instant> loadTimes(List<FileMessage> files) throws SQLException {
        Map<String, Instant> found = new HashMap<>();
        if (files.isEmpty()) {
            return found;
        }
        try (PreparedStatement p = c.prepareStatement(sql.findLoadTimes())) {
            p.setArray(1, c.createArrayOf("text", files.stream().map(FileMessage::key).toArray()));
            p.setArray(2, c.createArrayOf("text", files.stream().map(FileMessage::etag).toArray()));
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    found.put(id(rs.getString(1), rs.getString(2)), rs.getObject(3, OffsetDateTime.class).toInstant());
                }
            }
        }
        return found;
    }

    /** One statement: the row counts of the files loaded, and the claims of the files claimed but not loaded dropped. */
    private void settleClaims(List<FileMessage> claimed, Map<FileMessage, LoadResult> results) throws SQLException {
        if (claimed.isEmpty()) {
            return;
        }
        try (PreparedStatement p = c.prepareStatement(sql.settleClaims())) {
            p.setArray(1, c.createArrayOf("text", claimed.stream().map(FileMessage::key).toArray()));
            p.setArray(2, c.createArrayOf("text", claimed.stream().map(FileMessage::etag).toArray()));
            p.setArray(3, c.createArrayOf("int8", claimed.stream()
                    .map(f -> results.get(f) instanceof LoadResult.Loaded l ? (Long) l.rows() : null).toArray()));
            p.execute();
        }
    }

    private static String id(FileMessage f) {
        return id(f.key(), f.etag());
    }

    private static String id(String key, String etag) {
        return key + '\0' + etag;
    }

    /**
     * Starts a file: one round trip releases the previous file's savepoint, opens this one's and
     * sets its statement_timeout (a number this code computed, never data).
     */
    private void beginFile() throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(releaseOpenSavepoint() + "SAVEPOINT " + SAVEPOINT + "; "
                    + setTimeout(budget.workStatementTimeoutMillis()));
        }
        savepointOpen = true;
    }

    /** The statement that releases the last file's savepoint, if one is open, to send ahead of the next statement. */
    private String releaseOpenSavepoint() {
        if (!savepointOpen) {
            return "";
        }
        savepointOpen = false;
        return "RELEASE SAVEPOINT " + SAVEPOINT + "; ";
    }

    /** SET LOCAL statement_timeout: it ends with the transaction, so a pooled connection keeps no limit. */
    private static String setTimeout(long millis) {
        return "SET LOCAL statement_timeout = " + millis;
    }

    /** Undoes the current file's COPY; its savepoint stays, released when the next file starts. */
    private void rollbackFile() throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("ROLLBACK TO SAVEPOINT " + SAVEPOINT);
        }
    }

    private LoadResult loadOne(FileMessage f, ReadAhead.Body body) throws SQLException {
        if (config.format() == FileFormat.PARQUET && (body == null || body instanceof ReadAhead.Body.Read)) {
            return loadParquet(f, body instanceof ReadAhead.Body.Read r ? new BytesParquetFile(r.bytes()) : source.parquet(f));
        }
        FileSource.Opened in;
        if (body == null) {
            Optional<FileSource.Opened> opened;
            try {
                opened = source.open(f);
            } catch (RuntimeException e) {
                return new LoadResult.Retry(f, "cannot read the file from S3: " + e.getMessage());
            }
            if (opened.isEmpty()) {
                return new LoadResult.SourceChanged(f);
            }
            in = opened.get();
        } else {
            switch (body) {
                case ReadAhead.Body.Read r -> in = source.inMemory(f, r.bytes());
                case ReadAhead.Body.Gone g -> {
                    return new LoadResult.SourceChanged(f);
                }
                case ReadAhead.Body.RequestFailed e -> {
                    return new LoadResult.Retry(f, "cannot read the file from S3: " + e.cause().getMessage());
                }
                case ReadAhead.Body.ReadFailed e -> {
                    return new LoadResult.Retry(f, "reading the file from S3 failed: " + e.cause().getMessage());
                }
                case ReadAhead.Body.OutOfTime t -> {
                    outOfTime = true;
                    return new LoadResult.Retry(f, "not loaded: the batch's deadline passed while the file was read from S3");
                }
            }
        }
        try (in; CopyWatchdog.Guard guard = watchdog.watch(in, budget)) {
            beginFile();
            long rows = copy(in);
            if (rows == 0) {
                // Nothing to load can be a producer's mistake as easily as a real empty export: a person decides.
                rollbackFile();
                String reason = f.size() == 0 ? "the file is empty (0 bytes): no rows to load"
                        : "the file holds no rows (only a header, or nothing but blank lines)";
                return new LoadResult.Rejected(f, reason, Map.of("rows", "0", "bytes", Long.toString(f.size())));
            }
            return new LoadResult.Loaded(f, rows, claimedAt.get(id(f)));
        } catch (Drift d) {
            rollbackFile();
            Map<String, String> detail = new LinkedHashMap<>();
            detail.put("column", d.refusal.column());
            d.line.ifPresent(l -> detail.put("line", Long.toString(l)));
            return new LoadResult.Rejected(f, d.refusal.reason() + d.line.map(l -> " (line " + l + ")").orElse(""), detail);
        } catch (SQLException | IOException e) {
            return failed(f, in, e);
        }
    }

    /** The file's columns do not meet the table's ({@link ColumnMatch}): the file's fault, named by a column. */
    private static final class Drift extends RuntimeException {
        final ColumnMatch.Refusal refusal;
        final Optional<Long> line;

        Drift(ColumnMatch.Refusal refusal, Optional<Long> line) {
            super(refusal.reason(), null, false, false);
            this.refusal = refusal;
            this.line = line;
        }
    }

    /**
     * A Parquet file: read by row group (footer first) and written to COPY as CSV by {@link ParquetCopy}. A
     * field the table's column cannot hold, or a file that is not valid Parquet, is the file's fault; a failed
     * S3 read is worth a retry; a version replaced between two ranged reads is {@link LoadResult.SourceChanged}.
     */
    private LoadResult loadParquet(FileMessage f, InputFile file) throws SQLException {
        beginFile();
        if (parquet == null) {
            parquet = new ParquetCopy(c, config.requireTable().quoted(), columns, config.extraColumns());
        }
        String into = config.mode() == LoadMode.MERGE ? PostgresSql.MERGE_STAGE : sql.target();
        try (ParquetRows rows = ParquetRows.open(file)) {
            ParquetCopy.Result r = parquet.copy(rows, into);
            if (r.mismatch() != null) {
                rollbackFile();
                return new LoadResult.Rejected(f, r.mismatch().reason(), r.mismatch().detail());
            }
            if (r.rows() == 0) {
                rollbackFile();
                return new LoadResult.Rejected(f, "the Parquet file holds no rows", Map.of("rows", "0", "bytes", Long.toString(f.size())));
            }
            return new LoadResult.Loaded(f, r.rows(), claimedAt.get(id(f)));
        } catch (ParquetCopy.CopyRefused e) {
            return copyFailed(f, e.sql());
        } catch (SQLException e) {
            return copyFailed(f, e);
        } catch (S3ParquetFile.SourceChanged e) {
            rollbackFile();
            return new LoadResult.SourceChanged(f);
        } catch (S3ParquetFile.ReadFailed e) {
            rollbackFile();
            return new LoadResult.Retry(f, e.getMessage());
        } catch (IOException | RuntimeException e) {
            Throwable cause = ParquetCopy.readFailure(e);
            rollbackFile();
            if (cause instanceof S3ParquetFile.SourceChanged) {
                return new LoadResult.SourceChanged(f);
            }
            if (cause instanceof S3ParquetFile.ReadFailed) {
                return new LoadResult.Retry(f, cause.getMessage());
            }
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            return new LoadResult.Rejected(f, "not a readable Parquet file: " + why, Map.of("error", why));
        }
    }

    /** A COPY the server ended: out of time, the file's values (with PostgreSQL's line, that is row, and column), or the database's failure. */
    private LoadResult copyFailed(FileMessage f, SQLException q) throws SQLException {
        if (PgErrors.cancelled(q)) {
            return outOfTime(f);
        }
        if (PgErrors.fileFault(q) && !PgErrors.connectionLost(q)) {
            rollbackFile();
            Map<String, String> detail = new LinkedHashMap<>(PgErrors.detail(q));
            return new LoadResult.Rejected(f, PgErrors.reason(detail), detail);
        }
        throw q;
    }

    /** Settles a file whose COPY failed: its savepoint is rolled back; the cause decides what happens to it. */
    private LoadResult failed(FileMessage f, FileSource.Opened in, Exception e) throws SQLException {
        if (in.abortedForDeadline()) {
            return outOfTime(f);
        }
        if (in.readFailure().isPresent()) {
            rollbackFile();
            return new LoadResult.Retry(f, "reading the file from S3 failed: " + in.readFailure().get().getMessage());
        }
        if (in.formatFailure().isPresent()) {
            rollbackFile();
            return new LoadResult.Rejected(f, "not a valid " + in.compression().label() + " file: "
                    + in.formatFailure().get().getMessage(),
                    Map.of("error", String.valueOf(in.formatFailure().get().getMessage())));
        }
        if (e instanceof SQLException q && PgErrors.cancelled(q)) {
            return outOfTime(f); // the statement_timeout, which ends with the work time
        }
        if (e instanceof SQLException q && PgErrors.fileFault(q) && !PgErrors.connectionLost(q)) {
            rollbackFile();
            Map<String, String> detail = new LinkedHashMap<>(PgErrors.detail(q));
            if (config.format() == FileFormat.JSON && "doc".equals(detail.get("column"))) {
                detail.remove("column"); // the staging column, not one of the table's
            }
            // Not logged here: the reason quotes the file's content; the batch logs the file's outcome without it.
            return new LoadResult.Rejected(f, PgErrors.reason(detail), detail);
        }
        if (e instanceof SQLException q) {
            throw q;
        }
        throw new SQLException("COPY failed: " + e.getMessage(), "08006", e);
    }

    private LoadResult outOfTime(FileMessage f) throws SQLException {
        rollbackFile();
        outOfTime = true;
        return new LoadResult.Retry(f, "not loaded: the batch's deadline passed while the file was loading");
    }

    private void statementTimeout(long millis) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(setTimeout(millis));
        }
    }

    /**
     * CSV_HEADER=match: the header line is read first and mapped by {@link ColumnMatch}; COPY gets the
     * matched columns in the file's order and the whole stream, header included (HEADER skips it, so
     * COPY's line numbers stay the file's); ignored extra columns are cut out of every line on the way.
     */
    private long copyByHeader(CopyManager copy, String into, java.io.InputStream body) throws SQLException, IOException {
        CsvHeader header = CsvHeader.read(body, config.csv());
        if (header.names().isEmpty()) {
            // An empty file: COPY loads no rows, and an empty file is refused as such.
            return copy.copyIn(sql.copyCsv(into, columns), header.stream(), 64 * 1024);
        }
        ColumnMatch.Result result = match.match(header.names());
        if (result instanceof ColumnMatch.Result.Refused r) {
            throw new Drift(r.refusal(), Optional.of(1L));
        }
        ColumnMatch.Result.Mapped mapped = (ColumnMatch.Result.Mapped) result;
        java.io.InputStream stream = mapped.dropsAny()
                ? new CsvColumnFilter(header.stream(), mapped.targets().stream().map(Optional::isPresent).toList(), config.csv())
                : header.stream();
        return copy.copyIn(sql.copyCsv(into, mapped.loaded()), stream, 64 * 1024);
    }

    /**
     * JSON lines: a key the table lacks (EXTRA_COLUMNS=fail) or a NOT NULL column's key that a line
     * lacks refuses the file, naming the key and its first line; read from the staged
     * documents, so the file is read once.
     */
    private void checkJsonKeys() throws SQLException {
        if (match.extras() == dev.s3loader.model.ExtraColumns.FAIL) {
            List<String> keys = new ArrayList<>();
            Map<String, Long> lines = new java.util.HashMap<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql.jsonKeys())) {
                while (rs.next()) {
                    keys.add(rs.getString(1));
                    lines.put(rs.getString(1), rs.getLong(2));
                }
            }
            Optional<ColumnMatch.Refusal> unknown = match.unknown(keys);
            if (unknown.isPresent()) {
                throw new Drift(unknown.get(), Optional.of(lines.get(unknown.get().column())));
            }
        }
        List<String> required = match.required();
        if (required.isEmpty()) {
            return;
        }
        try (PreparedStatement p = c.prepareStatement(sql.jsonMissingKey())) {
            p.setArray(1, c.createArrayOf("text", required.toArray()));
            try (ResultSet rs = p.executeQuery()) {
                if (rs.next()) {
                    String column = rs.getString(1);
                    throw new Drift(new ColumnMatch.Refusal(column, "a line lacks key \"" + column
                            + "\" of a NOT NULL column (a JSON line's missing key loads NULL)"), Optional.of(rs.getLong(2)));
                }
            }
        }
    }

    private long copy(FileSource.Opened in) throws SQLException, IOException {
        CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
        String into = config.mode() == LoadMode.MERGE ? PostgresSql.MERGE_STAGE : sql.target();
        if (config.format() == FileFormat.CSV && config.csvHeaderMatch()) {
            return copyByHeader(copy, into, in.stream());
        }
        if (config.format() == FileFormat.CSV) {
            return copy.copyIn(sql.copyCsv(into, columns), in.stream(), 64 * 1024);
        }
        copy.copyIn(sql.copyJson(), in.stream(), 64 * 1024);
        if (match != null) {
            checkJsonKeys();
        }
        try (Statement s = c.createStatement()) {
            long rows = s.executeUpdate(sql.insertJson(into, columns));
            s.execute(sql.clearJsonStage());
            return rows;
        }
    }
}
