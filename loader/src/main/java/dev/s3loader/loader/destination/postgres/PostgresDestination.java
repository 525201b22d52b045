package dev.s3loader.loader.destination.postgres;

import dev.s3loader.loader.LoaderException;
import dev.s3loader.loader.TransientLoadException;
import dev.s3loader.loader.destination.Deadline;
import dev.s3loader.loader.destination.Destination;
import dev.s3loader.loader.destination.LoadResult;
import dev.s3loader.model.ColumnMatch;
import dev.s3loader.model.DatabaseConfig;
import dev.s3loader.model.FileFormat;
import dev.s3loader.model.FileMessage;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import java.util.logging.Logger;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * The {@code postgres} destination: each batch is one transaction in which every file is
 * streamed from S3 with {@code COPY ... FROM STDIN} and recorded in the ledger. Exactly once
 * rests on the ledger's primary key (key, etag): a file is claimed by inserting its row before
 * it is loaded, so a redelivered file finds its row and is skipped, and a file handed to two
 * workers at once is loaded by the first while the second waits on the uncommitted row and
 * then skips it. Works with PostgreSQL 14 and later (RDS and Aurora included).
 */
public final class PostgresDestination implements Destination {
    private static final Logger LOG = Logger.getLogger(PostgresDestination.class.getName());
    /** Serialises the one-time ledger creation across processes ("S3LOAD" in ASCII). */
    private static final long DDL_LOCK = 0x53334C4F4144L;

    private final DatabaseConfig config;
    private final PostgresSql sql;
    private final FileSource source;
    private final PostgresCredentials credentials;
    private final ConnectionPool pool;
    private final CopyWatchdog watchdog = new CopyWatchdog();
    /**
     * Reads small files ahead of the COPY (see {@link ReadAhead}); each batch in progress keeps at
     * most {@link ReadAhead#AHEAD} reads going, so the threads are bounded by the batches at once.
     */
    private final ExecutorService readers;
    private volatile List<String> columns;
    /** The drift rule, read with the columns: CSV_HEADER=match and JSON only, else null. */
    private volatile ColumnMatch match;

    public PostgresDestination(DatabaseConfig config, S3Client s3, Supplier<SecretsManagerClient> secrets) {
        this.config = config;
        this.sql = new PostgresSql(config);
        this.source = new FileSource(s3, config.compression());
        this.credentials = new PostgresCredentials(config.postgres(), secrets);
        this.pool = new ConnectionPool(credentials, config.postgres(), config.maxConcurrency(), config.postgres().connectTimeout(),
                config.loadTimeout());
        this.readers = Executors.newCachedThreadPool(Thread.ofPlatform().name("s3loader-pg-read-", 0).daemon(true).factory());
    }

    /**
     * Every read of a file is a GetObject conditional on the etag ({@link FileSource}): a replaced or
     * gone version is {@link LoadResult.SourceChanged}, and a file the ledger holds is only moved,
     * by a copy conditional on the etag too. No HEAD per file is needed first.
     */
    @Override
    public boolean checksTheVersionItself() {
        return true;
    }

    @Override
    public List<LoadResult> load(List<FileMessage> files, String batchId, Deadline deadline) {
        if (files.isEmpty()) {
            return List.of();
        }
        long started = System.nanoTime();
        LoadBudget budget = new LoadBudget(deadline);
        if (!budget.roomForAnotherFile()) {
            return allRetry(files, "not started: the batch's deadline was too near to load anything");
        }
        // Reading starts before the wait for a slot: a batch that waits has its first files in hand when it gets one.
        try (ReadAhead ahead = new ReadAhead(source, readers, BatchTransaction.claimOrder(files))) {
            Optional<ConnectionPool.Lease> slot = pool.acquire(budget);
            if (slot.isEmpty()) {
                return allRetry(files, "not started: no database slot (MAX_CONCURRENCY) came free before the batch's deadline");
            }
            return loadWith(slot.get(), files, batchId, budget, ahead, started);
        }
    }

    private List<LoadResult> loadWith(ConnectionPool.Lease slot, List<FileMessage> files, String batchId, LoadBudget budget,
                                      ReadAhead ahead, long started) {
        try (ConnectionPool.Lease lease = slot) {
            Map<FileMessage, LoadResult> results = loadIn(lease, files, batchId, budget, ahead);
            LOG.info(String.format("postgres batch %s: %d files, %d rows, %.2fs", batchId, files.size(),
                    results.values().stream().mapToLong(r -> r instanceof LoadResult.Loaded l ? l.rows() : 0).sum(),
                    (System.nanoTime() - started) / 1e9));
            return files.stream().map(results::get).toList();
        }
    }

    private static List<LoadResult> allRetry(List<FileMessage> files, String reason) {
        LOG.warning(reason + " (" + files.size() + " files go back to the queue)");
        return files.stream().<LoadResult>map(f -> new LoadResult.Retry(f, reason)).toList();
    }

    private Map<FileMessage, LoadResult> loadIn(ConnectionPool.Lease lease, List<FileMessage> files, String batchId,
                                                LoadBudget budget, ReadAhead ahead) {
        Connection c = lease.connection();
        Map<FileMessage, LoadResult> results;
        try {
            List<String> cols = prepare(c, budget);
            results = new BatchTransaction(c, config, sql, source, cols, match, batchId, budget, watchdog, ahead).run(files);
        } catch (SQLException e) {
            lease.broken(); // closing it rolls the transaction back
            throw failure("batch " + batchId + " was not loaded", e);
        } catch (RuntimeException e) {
            lease.broken();
            throw e;
        }
        try {
            c.commit();
            return results;
        } catch (SQLException e) {
            lease.broken();
            if (!PgErrors.connectionLost(e)) {
                throw failure("COMMIT of batch " + batchId + " failed", e);
            }
            return settleLostCommit(lease, results, batchId, e, budget);
        }
    }

    /**
     * The connection died during COMMIT, so the batch may or may not have committed. The ledger
     * says which, read on a new connection; when it cannot be read the batch goes back to the
     * queue, and the redelivery's claims find out (never a second load).
     */
    private Map<FileMessage, LoadResult> settleLostCommit(ConnectionPool.Lease lease, Map<FileMessage, LoadResult> results,
                                                          String batchId, SQLException cause, LoadBudget budget) {
        List<FileMessage> claimed = results.values().stream()
                .filter(r -> r instanceof LoadResult.Loaded).map(LoadResult::file).toList();
        if (claimed.isEmpty()) {
            return results;
        }
        Set<String> inLedger;
        try {
            inLedger = findLoaded(lease.reconnect(budget), claimed);
        } catch (SQLException | RuntimeException e) {
            lease.broken();
            throw new TransientLoadException("COMMIT of batch " + batchId + " got no answer ("
                    + PgErrors.describe(cause) + ") and the ledger cannot be read to settle it", e);
        }
        long found = claimed.stream().filter(f -> inLedger.contains(id(f))).count();
        if (found == claimed.size()) {
            LOG.warning("COMMIT of batch " + batchId + " got no answer, but the ledger shows it committed");
            return results;
        }
        if (found == 0) {
            throw new TransientLoadException("COMMIT of batch " + batchId + " got no answer and did not happen: "
                    + PgErrors.describe(cause), cause);
        }
        throw new LoaderException("ledger holds " + found + " of the " + claimed.size() + " files of batch " + batchId
                + " after a lost COMMIT; a transaction cannot commit in part, so the ledger was changed by hand?");
    }

    /** Creates the ledger if missing and settles the column list, once per process. */
    private List<String> prepare(Connection c, LoadBudget budget) throws SQLException {
        List<String> cols = columns;
        if (cols != null) {
            return cols;
        }
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            // Waiting for another process's DDL lock must not outlive the batch either.
            s.execute("SET LOCAL statement_timeout = " + budget.workStatementTimeoutMillis());
            s.execute("SELECT pg_advisory_xact_lock(" + DDL_LOCK + ")");
            s.execute(sql.createLedger());
        }
        c.commit();
        cols = config.columns().isEmpty() ? tableColumns(c) : config.columns();
        if (config.csvHeaderMatch() || config.format() == FileFormat.JSON) {
            // CSV headers match ignoring case when no name matches exactly; JSON keys exactly, as jsonb_populate_record does.
            match = new ColumnMatch(tableColumnsWithRequired(c), config.csvHeaderMatch(), config.extraColumns());
        }
        c.commit();
        columns = cols;
        return cols;
    }

    private List<ColumnMatch.TableColumn> tableColumnsWithRequired(Connection c) throws SQLException {
        List<ColumnMatch.TableColumn> cols = new ArrayList<>();
        try (PreparedStatement p = c.prepareStatement(PostgresSql.tableColumnsWithRequired(config.format() == FileFormat.CSV))) {
            p.setString(1, config.requireTable().quoted());
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    cols.add(new ColumnMatch.TableColumn(rs.getString(1), rs.getBoolean(2)));
                }
            }
        }
        return cols;
    }

    private List<String> tableColumns(Connection c) throws SQLException {
        List<String> cols = new ArrayList<>();
        try (PreparedStatement p = c.prepareStatement(PostgresSql.tableColumns())) {
            p.setString(1, config.requireTable().quoted());
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    cols.add(rs.getString(1));
                }
            }
        }
        return List.copyOf(cols);
    }

    private Set<String> findLoaded(Connection c, List<FileMessage> files) throws SQLException {
        Set<String> found = new HashSet<>();
        Array keys = c.createArrayOf("text", files.stream().map(FileMessage::key).toArray());
        Array etags = c.createArrayOf("text", files.stream().map(FileMessage::etag).toArray());
        try (PreparedStatement p = c.prepareStatement(sql.findLoaded())) {
            p.setArray(1, keys);
            p.setArray(2, etags);
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    found.add(rs.getString(1) + '\0' + rs.getString(2));
                }
            }
        }
        return found;
    }

    private static String id(FileMessage f) {
        return f.key() + '\0' + f.etag();
    }

    private RuntimeException failure(String what, SQLException e) {
        if (PgErrors.authentication(e)) {
            credentials.invalidate();
        }
        if (PgErrors.transientFailure(e) || PgErrors.authentication(e)) {
            return new TransientLoadException(what + ": " + PgErrors.describe(e), e);
        }
        // Not the file's fault and not passing (a missing table, a permission, bad PRE_SQL): an operator's to fix.
        return new LoaderException(what + ": " + PgErrors.describe(e), e);
    }

    @Override
    public List<dev.s3loader.model.CheckItem> preflight() {
        return new PostgresPreflight(config, pool, credentials, java.time.Clock.systemUTC()).run();
    }

    @Override
    public void close() {
        pool.close();
        watchdog.close();
        readers.shutdownNow();
    }
}
