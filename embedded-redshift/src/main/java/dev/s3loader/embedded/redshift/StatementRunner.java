package dev.s3loader.embedded.redshift;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Predicate;
import javax.sql.DataSource;
import org.postgresql.PGConnection;

/**
 * Runs a statement's SQL on PostgreSQL the way the Data API runs it on Redshift: all
 * sub-statements in one transaction on one session (so temporary tables live through a batch),
 * the first failure rolling everything back and aborting what follows. COPY is translated by
 * {@link S3Copy}; other SQL runs as written, with Redshift's GETDATE() provided.
 */
final class StatementRunner {
    private static final AtomicLong QUERY_IDS = new AtomicLong(1000);
    /** Another sequence, far from the first: a client that mixes the two ids up finds nothing. */
    private static final AtomicLong SYS_QUERY_IDS = new AtomicLong(7_000_000);

    private final Function<String, DataSource> databases;
    private final S3Copy copy;
    private final Set<String> prepared = ConcurrentHashMap.newKeySet();
    private volatile CountDownLatch commitGate;
    private final AtomicInteger heldAtCommit = new AtomicInteger();
    private volatile Predicate<String> holdBefore = sql -> false;
    private volatile CountDownLatch statementGate = new CountDownLatch(0);
    private final AtomicInteger heldBefore = new AtomicInteger();
    private volatile long resultSizeLimit = EmbeddedRedshiftData.DEFAULT_RESULT_SIZE_LIMIT;
    private volatile EmbeddedRedshiftData.Isolation isolation = EmbeddedRedshiftData.Isolation.SERIALIZABLE;
    private volatile Predicate<String> failing = sql -> false;
    private volatile String failingError = "";

    StatementRunner(Function<String, DataSource> databases, S3Copy copy) {
        this.databases = databases;
        this.copy = copy;
    }

    void failStatements(Predicate<String> which, String error) {
        failingError = error;
        failing = which;
    }

    void isolation(EmbeddedRedshiftData.Isolation level) {
        isolation = level;
    }

    void resultSizeLimit(long bytes) {
        resultSizeLimit = bytes;
    }

    void holdCommits() {
        commitGate = new CountDownLatch(1);
    }

    void releaseCommits() {
        CountDownLatch g = commitGate;
        commitGate = null;
        if (g != null) {
            g.countDown();
        }
    }

    /** Sub-statements of batches whose SQL matches wait before they run until {@link #releaseStatements()}. */
    void holdStatements(Predicate<String> which) {
        statementGate = new CountDownLatch(1);
        holdBefore = which;
    }

    void releaseStatements() {
        holdBefore = sql -> false;
        statementGate.countDown();
    }

    /** How many sub-statements wait at the statement gate now. */
    int heldStatements() {
        return heldBefore.get();
    }

    /** How many batches wait before COMMIT now. */
    int heldCommits() {
        return heldAtCommit.get();
    }

    void run(RunningStatement st) {
        long started = System.nanoTime();
        st.status = "STARTED";
        st.updatedAt = Instant.now();
        try (Connection c = databases.apply(st.database).getConnection()) {
            st.pid = c.unwrap(PGConnection.class).getBackendPID();
            prepare(st.database, c);
            c.setAutoCommit(false);
            // SERIALIZABLE: transactions that cannot be serialized fail (error 1023), not interleave. SNAPSHOT
            // (c_serial_isolation: the default for new clusters and workgroups) is PostgreSQL's REPEATABLE READ:
            // each transaction sees the snapshot taken at its first query, and only concurrent writes to the
            // same rows conflict. LOCK takes no snapshot, so a LOCK first serialises what follows.
            c.setTransactionIsolation(isolation == EmbeddedRedshiftData.Isolation.SNAPSHOT
                    ? Connection.TRANSACTION_REPEATABLE_READ : Connection.TRANSACTION_SERIALIZABLE);
            for (int i = 0; i < st.subs.size(); i++) {
                RunningStatement.Sub sub = st.subs.get(i);
                if (st.cancelRequested) {
                    abort(st, c, i);
                    return;
                }
                if (st.batch && holdBefore.test(sub.sql) && !await(statementGate, heldBefore, st)) {
                    abort(st, c, i);
                    return;
                }
                if (!runSub(st, sub, c)) {
                    fail(st, c, i, started);
                    return;
                }
            }
            if (st.batch && !awaitCommitGate(st)) {
                abort(st, c, st.subs.size());
                return;
            }
            c.commit();
            st.durationNanos = System.nanoTime() - started;
            st.updatedAt = Instant.now();
            st.status = "FINISHED";
        } catch (SQLException e) {
            st.error = "ERROR: " + redshiftMessage(e);
            st.updatedAt = Instant.now();
            st.status = st.cancelRequested ? "ABORTED" : "FAILED";
        } catch (RuntimeException e) {
            st.error = "ERROR: " + e.getMessage();
            st.updatedAt = Instant.now();
            st.status = st.cancelRequested ? "ABORTED" : "FAILED";
        }
    }

    /** Runs one sub-statement; false when it failed (its error is recorded on it). */
    private boolean runSub(RunningStatement st, RunningStatement.Sub sub, Connection c) {
        long started = System.nanoTime();
        sub.queryId = QUERY_IDS.incrementAndGet();
        sub.sysQueryId = SYS_QUERY_IDS.incrementAndGet();
        sub.createdAt = Instant.now();
        sub.status = "STARTED";
        try {
            if (st.batch && failing.test(sub.sql)) {
                throw new SQLException(failingError, "42501");
            }
            if (CopyCommand.isCopy(sub.sql)) {
                CopyCommand cmd;
                try {
                    cmd = CopyCommand.parse(sub.sql);
                } catch (CopyCommand.Invalid | IllegalArgumentException e) {
                    throw new S3Copy.Failed(e.getMessage());
                }
                sub.resultRows = copy.run(c, cmd, st, sub);
            } else {
                execute(st, sub, c);
                if (commitsItsTransaction(sub.sql)) {
                    // r_TRUNCATE: "TRUNCATE commits the transaction in which it is run": what ran before it
                    // (and the locks taken) is committed, and a later failure rolls back only what follows.
                    c.commit();
                }
            }
            sub.status = "FINISHED";
            return true;
        } catch (SQLException e) {
            sub.error = "ERROR: " + redshiftMessage(e);
        } catch (S3Copy.Failed e) {
            sub.error = "ERROR: " + e.getMessage();
        } catch (RuntimeException e) {
            sub.error = "ERROR: " + e;
        } finally {
            sub.durationNanos = System.nanoTime() - started;
            sub.updatedAt = Instant.now();
        }
        sub.status = st.cancelRequested ? "ABORTED" : "FAILED";
        return false;
    }

    /** Redshift's statements that commit the open transaction as they run. */
    static boolean commitsItsTransaction(String sql) {
        List<SqlTokens.Token> t = SqlTokens.tokenize(sql);
        return !t.isEmpty() && t.getFirst().is("TRUNCATE");
    }

    private void execute(RunningStatement st, RunningStatement.Sub sub, Connection c) throws SQLException {
        List<String> names = new ArrayList<>();
        String sql = SqlTokens.positional(RedshiftDdl.rewrite(SqlTokens.foldIdentifiers(sub.sql)), names);
        try (PreparedStatement p = c.prepareStatement(sql)) {
            for (int i = 0; i < names.size(); i++) {
                String v = st.parameters.get(names.get(i));
                if (v == null) {
                    throw new SQLException("parameter :" + names.get(i) + " was not supplied", "42P02");
                }
                // Untyped, as the Data API sends them: the server infers the type from the context.
                p.setObject(i + 1, v, Types.OTHER);
            }
            st.running = p;
            try {
                if (p.execute()) {
                    try (ResultSet rs = p.getResultSet()) {
                        sub.result = read(rs);
                        sub.resultRows = sub.result.rows().size();
                    }
                } else {
                    sub.resultRows = Math.max(0, p.getUpdateCount());
                }
            } finally {
                st.running = null;
            }
        }
    }

    private RunningStatement.Result read(ResultSet rs) throws SQLException {
        ResultSetMetaData md = rs.getMetaData();
        List<RunningStatement.Column> cols = new ArrayList<>();
        for (int i = 1; i <= md.getColumnCount(); i++) {
            // Redshift's VARCHAR is bpchar here (see RedshiftDdl); clients see the type they declared.
            String type = md.getColumnTypeName(i);
            cols.add(new RunningStatement.Column(md.getColumnLabel(i), type.equals("bpchar") ? "varchar" : type));
        }
        List<List<Object>> rows = new ArrayList<>();
        long size = 0;
        while (rs.next()) {
            List<Object> row = new ArrayList<>();
            for (int i = 1; i <= cols.size(); i++) {
                Object v = switch (md.getColumnType(i)) {
                    case Types.BIGINT, Types.INTEGER, Types.SMALLINT, Types.TINYINT -> {
                        long l = rs.getLong(i);
                        yield rs.wasNull() ? null : l;
                    }
                    case Types.REAL, Types.FLOAT, Types.DOUBLE -> {
                        double d = rs.getDouble(i);
                        yield rs.wasNull() ? null : d;
                    }
                    case Types.BOOLEAN, Types.BIT -> {
                        boolean b = rs.getBoolean(i);
                        yield rs.wasNull() ? null : b;
                    }
                    default -> rs.getString(i);
                };
                row.add(v);
                size += v == null ? 1 : v instanceof String t ? t.getBytes(java.nio.charset.StandardCharsets.UTF_8).length : 8;
            }
            if (size > resultSizeLimit) {
                throw new SQLException("Database response exceeded size limit: the result set is larger than "
                        + resultSizeLimit + " bytes; run several statements with LIMIT", "54000");
            }
            rows.add(row);
        }
        return new RunningStatement.Result(cols, rows);
    }

    private void fail(RunningStatement st, Connection c, int failedAt, long started) throws SQLException {
        c.rollback();
        for (int i = failedAt + 1; i < st.subs.size(); i++) {
            st.subs.get(i).status = "ABORTED";
        }
        st.error = st.subs.get(failedAt).error;
        st.durationNanos = System.nanoTime() - started;
        st.updatedAt = Instant.now();
        st.status = st.cancelRequested ? "ABORTED" : "FAILED";
    }

    private void abort(RunningStatement st, Connection c, int from) throws SQLException {
        c.rollback();
        for (int i = from; i < st.subs.size(); i++) {
            st.subs.get(i).status = "ABORTED";
        }
        st.error = "Query cancelled on user's request";
        st.updatedAt = Instant.now();
        st.status = "ABORTED";
    }

    /** Holds a finished batch before COMMIT while a test keeps the gate closed; false if cancelled meanwhile. */
    private boolean awaitCommitGate(RunningStatement st) {
        CountDownLatch g = commitGate;
        return g == null || await(g, heldAtCommit, st);
    }

    /** Waits at a test's gate, counted while it waits; false if the statement was cancelled meanwhile. */
    private static boolean await(CountDownLatch gate, AtomicInteger waiting, RunningStatement st) {
        waiting.incrementAndGet();
        try {
            while (!gate.await(20, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                if (st.cancelRequested) {
                    return false;
                }
            }
            return !st.cancelRequested;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            waiting.decrementAndGet();
        }
    }

    /** Once per database: Redshift's GETDATE() and the load error view, as PostgreSQL objects. */
    private void prepare(String database, Connection c) throws SQLException {
        if (prepared.contains(database)) {
            return;
        }
        synchronized (prepared) {
            if (prepared.contains(database)) {
                return;
            }
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("SELECT pg_advisory_xact_lock(7283746)");
                s.execute("CREATE OR REPLACE FUNCTION public.getdate() RETURNS timestamp LANGUAGE sql STABLE "
                        + "AS 'SELECT CAST(now() AS timestamp)'");
                // Redshift's VARBYTE conversions, utf8 and hex. A VARCHAR column is bpchar here (RedshiftDdl):
                // bpcharsend gives its stored bytes, trailing blanks included, as Redshift's TO_VARBYTE does.
                s.execute("CREATE OR REPLACE FUNCTION public.to_varbyte(s bpchar, fmt text) RETURNS bytea LANGUAGE plpgsql "
                        + "IMMUTABLE STRICT AS $f$ BEGIN "
                        + "IF lower(fmt) IN ('utf8', 'utf-8', 'utf_8') THEN RETURN bpcharsend(s); END IF; "
                        + "IF lower(fmt) = 'hex' THEN RETURN decode(CASE WHEN octet_length(s) % 2 = 1 THEN '0' ELSE '' END "
                        + "|| CAST(s AS text), 'hex'); END IF; "
                        + "RAISE EXCEPTION 'TO_VARBYTE format % is not supported by the local Data API', fmt; END $f$");
                s.execute("CREATE OR REPLACE FUNCTION public.to_varbyte(s text, fmt text) RETURNS bytea LANGUAGE sql "
                        + "IMMUTABLE STRICT AS $f$ SELECT public.to_varbyte(CAST(s AS bpchar), fmt) $f$");
                s.execute("CREATE OR REPLACE FUNCTION public.from_varbyte(b bytea, fmt text) RETURNS text LANGUAGE plpgsql "
                        + "IMMUTABLE STRICT AS $f$ BEGIN "
                        + "IF lower(fmt) = 'hex' THEN RETURN encode(b, 'hex'); END IF; "
                        + "IF lower(fmt) IN ('utf8', 'utf-8', 'utf_8') THEN RETURN convert_from(b, 'UTF8'); END IF; "
                        + "RAISE EXCEPTION 'FROM_VARBYTE format % is not supported by the local Data API', fmt; END $f$");
                // SHA2(string, bits) (SHA2.html): "a text representation of the hexadecimal value"; the page does
                // not say which case, so this answers upper case, and a caller comparing it with a lowercase hash
                // must say LOWER(). Invalid bits give an empty string, as documented. A VARCHAR's stored bytes
                // (trailing blanks included) are hashed.
                s.execute("CREATE OR REPLACE FUNCTION public.rs_sha2_bytes(b bytea, bits int) RETURNS text LANGUAGE sql "
                        + "IMMUTABLE STRICT AS $f$ SELECT CASE WHEN bits IN (0, 256) THEN upper(encode(sha256(b), 'hex')) "
                        + "WHEN bits = 224 THEN upper(encode(sha224(b), 'hex')) WHEN bits = 384 THEN upper(encode(sha384(b), 'hex')) "
                        + "WHEN bits = 512 THEN upper(encode(sha512(b), 'hex')) ELSE '' END $f$");
                s.execute("CREATE OR REPLACE FUNCTION public.sha2(s bpchar, bits int) RETURNS text LANGUAGE sql "
                        + "IMMUTABLE STRICT AS $f$ SELECT public.rs_sha2_bytes(bpcharsend(s), bits) $f$");
                s.execute("CREATE OR REPLACE FUNCTION public.sha2(s text, bits int) RETURNS text LANGUAGE sql "
                        + "IMMUTABLE STRICT AS $f$ SELECT public.rs_sha2_bytes(convert_to(s, 'UTF8'), bits) $f$");
                s.execute("CREATE TABLE IF NOT EXISTS public.stl_load_errors (userid integer, slice integer, tbl integer, "
                        + "starttime timestamp, session integer, query integer, filename text, line_number bigint, "
                        + "colname text, type text, col_length text, position integer, raw_line text, "
                        + "raw_field_value text, err_code integer, err_reason text)");
                s.execute("CREATE TABLE IF NOT EXISTS public.sys_query_history (user_id integer, query_id bigint, "
                        + "transaction_id bigint, session_id integer, database_name text, query_type text, status text, "
                        + "start_time timestamp, end_time timestamp, error_message text, query_text text)");
                s.execute("CREATE TABLE IF NOT EXISTS public.sys_load_error_detail (user_id integer, query_id bigint, "
                        + "transaction_id bigint, session_id integer, database_name text, table_id integer, "
                        + "start_time timestamp, file_name text, line_number bigint, column_name text, column_type text, "
                        + "column_length text, position integer, error_code integer, error_message text)");
            }
            c.commit();
            prepared.add(database);
        }
    }

    static Duration elapsed(Instant from) {
        return Duration.between(from, Instant.now());
    }

    /** PostgreSQL's error as Redshift words it where the two differ in a way a client reads. */
    static String redshiftMessage(SQLException e) {
        if ("40001".equals(e.getSQLState())) {
            return "1023 DETAIL: Serializable isolation violation on table in Redshift (" + firstLine(e.getMessage()) + ")";
        }
        if ("23514".equals(e.getSQLState()) && e instanceof org.postgresql.util.PSQLException p
                && p.getServerErrorMessage() != null) {
            java.util.Optional<RedshiftDdl.TooLong> tooLong = RedshiftDdl.tooLong(p.getServerErrorMessage().getConstraint());
            if (tooLong.isPresent()) {
                return tooLong.get().message();
            }
        }
        return firstLine(e.getMessage());
    }

    private static String firstLine(String message) {
        return message == null ? "" : message.lines().findFirst().orElse("");
    }
}
