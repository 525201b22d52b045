package dev.s3loader.loader.destination.redshift;

import dev.s3loader.model.Compression;
import dev.s3loader.model.CsvOptions;
import dev.s3loader.model.DatabaseConfig;
import dev.s3loader.model.FileFormat;
import dev.s3loader.model.LoadMode;
import dev.s3loader.model.TableName;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The SQL text of the redshift destination. What a producer controls never appears in it: the
 * files reach COPY through manifests we write, naming staging copies under our own prefix, and
 * the keys reach the ledger through a file list COPY loads into a temporary table
 * (BatchExecuteStatement takes no parameters). The only S3 locations in the text are those of our
 * own manifests under {@code _s3loader/manifests/}.
 *
 * <p>The ledger is keyed by (key_sha256, etag), see {@link LedgerId}. Batches take turns through
 * an explicit LOCK on a table of their own ({@code <ledger>_lock}), never on the ledger: LOCK
 * blocks readers too, and the pre-check and the settlement read the ledger while another worker's
 * COPY runs.
 */
final class RedshiftSql {
    static final String FILES = "s3loader_files";
    static final String STAGE = "s3loader_stage";

    /** What each statement of a batch is for, so a failed sub-statement can be told apart by position. */
    enum Role { LOCK, FILES, CHECK, PRE, STAGE, COPY, MERGE, LEDGER, POST }

    /** What the ledger check raises when a file of the batch is in the ledger already. */
    static final String ALREADY_LOADED = "s3loader: a file of this batch is already in the ledger";

    record Step(Role role, String sql) {
    }

    /** One COPY of the batch: a manifest of files sharing a compression (never AUTO). */
    record CopyGroup(String manifestUrl, Compression compression) {
    }

    private final DatabaseConfig config;
    private final String target;
    private final String ledger;
    private final String lock;
    private final String mergeLock;
    private final String iamRole;

    private final String region;

    /**
     * @param bucketRegion the region of the bucket COPY reads (where the loader's S3 client reaches it): COPY
     *                     needs REGION when it is not the cluster's (copy-parameters-data-source-s3)
     */
    RedshiftSql(DatabaseConfig config, String bucketRegion) {
        this.region = " REGION " + literal(bucketRegion);
        this.config = config;
        this.target = config.requireTable().quoted();
        this.ledger = config.ledgerTable().quoted();
        this.lock = lockTable(config.ledgerTable()).quoted();
        this.mergeLock = mergeLockTable(config.requireTable()).quoted();
        this.iamRole = config.redshift().iamRole().orElseThrow();
    }

    /** The table batches LOCK to take turns: the ledger's name with {@code _lock}. */
    static TableName lockTable(TableName ledger) {
        return new TableName(ledger.schema(), ledger.name() + "_lock");
    }

    /** The table merges into one target take turns on, whatever their ledger: the target's name with {@code _s3loader_lock}. */
    static TableName mergeLockTable(TableName target) {
        return new TableName(target.schema(), target.name() + "_s3loader_lock");
    }

    /** The stored procedure that fails a batch whose files the ledger holds: the ledger's name with {@code _check}. */
    static TableName checkProcedure(TableName ledger) {
        return new TableName(ledger.schema(), ledger.name() + "_check");
    }

    /**
     * The ledger check as a stored procedure: RAISE EXCEPTION aborts the transaction it runs in
     * (r_PLpgSQL-messages-errors), a documented way for SQL to fail on a condition. (A CAST that
     * fails only in an unused CASE branch relies on evaluation order no page promises.)
     */
    String createCheckProcedure() {
        // Not OR REPLACE: only the procedure's owner may replace it (Redshift's stored procedure
        // security), and a stack's Lambda and container loaders may be two database users; the
        // second creator's "already exists" means it is there (RedshiftDestination.prepare).
        return "CREATE PROCEDURE " + checkProcedure(config.ledgerTable()).quoted() + "() AS $$ "
                + "DECLARE n INTEGER; BEGIN SELECT COUNT(*) INTO n FROM " + FILES + " f JOIN " + ledger
                + " l ON l.\"key_sha256\" = f.\"key_sha256\" AND l.\"etag\" = f.\"etag\"; "
                + "IF n > 0 THEN RAISE EXCEPTION " + literal(ALREADY_LOADED) + "; END IF; END; $$ LANGUAGE plpgsql";
    }

    String createLedger() {
        // Identity is the key's hash (trailing blanks count); VARCHAR counts bytes: 1024 is S3's key limit exactly.
        return "CREATE TABLE IF NOT EXISTS " + ledger + " ("
                + "\"key_sha256\" CHAR(64) NOT NULL, \"key\" VARCHAR(1024) NOT NULL, \"etag\" VARCHAR(128) NOT NULL, "
                + "\"size\" BIGINT NOT NULL, \"batch_id\" VARCHAR(256) NOT NULL, \"row_count\" BIGINT, "
                + "\"loaded_at\" TIMESTAMP NOT NULL DEFAULT GETDATE(), PRIMARY KEY (\"key_sha256\", \"etag\"))";
    }

    String createLock() {
        return "CREATE TABLE IF NOT EXISTS " + lock + " (\"held\" INT)";
    }

    String createMergeLock() {
        return "CREATE TABLE IF NOT EXISTS " + mergeLock + " (\"held\" INT)";
    }

    /** Fails on a ledger of the earlier layout (keyed by the key itself). */
    String checkLedgerLayout() {
        return "SELECT \"key_sha256\", \"key\", \"etag\" FROM " + ledger + " WHERE 1 = 0";
    }

    /** Which of n (key hash, etag) pairs the ledger holds; parameters :h0, :e0, ... carry them. */
    String findLoaded(int n) {
        List<String> terms = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            terms.add("(\"key_sha256\" = :h" + i + " AND \"etag\" = :e" + i + ")");
        }
        return "SELECT \"key_sha256\", \"etag\" FROM " + ledger + " WHERE " + String.join(" OR ", terms);
    }

    /**
     * The target's columns in order, from the result's column metadata: Redshift resolves the
     * quoted name itself, folding it to lower case unless enable_case_sensitive_identifier is on
     * (r_names), so {@code DB_TABLE=Events} finds the table {@code events} as any query would.
     */
    String tableColumns() {
        return "SELECT * FROM " + target + " WHERE 1 = 0";
    }

    /**
     * Load errors of one COPY on a provisioned cluster: STL_LOAD_ERRORS by STL_QUERY's id, which is
     * what DescribeStatement reports there (SYS_QUERY_HISTORY: the SYS views' query_id "and the
     * query column in STL_QUERY are not the same identifier").
     */
    static String loadErrorsByStlQuery() {
        return "SELECT TRIM(filename), line_number, TRIM(colname), err_code, TRIM(err_reason) "
                + "FROM stl_load_errors WHERE query = :query ORDER BY line_number";
    }

    /**
     * Load errors of the COPYs of one session since a time (Serverless, which has no STL views):
     * SYS_LOAD_ERROR_DETAIL by the query_id SYS_QUERY_HISTORY gives the session's COPY.
     */
    static String loadErrorsBySession() {
        return "SELECT TRIM(e.file_name), e.line_number, TRIM(e.column_name), e.error_code, TRIM(e.error_message) "
                + "FROM sys_load_error_detail e WHERE e.query_id IN (SELECT h.query_id FROM sys_query_history h "
                + "WHERE h.session_id = :pid AND h.query_type = 'COPY' AND h.start_time >= :since) ORDER BY e.line_number";
    }

    /** Fallback when the ids differ: errors for these files since the COPY started. */
    static String loadErrorsByFiles(int n) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            names.add(":f" + i);
        }
        return "SELECT TRIM(file_name), line_number, TRIM(column_name), error_code, TRIM(error_message) "
                + "FROM sys_load_error_detail WHERE start_time >= :since AND TRIM(file_name) IN ("
                + String.join(", ", names) + ") ORDER BY start_time DESC, line_number";
    }

    /**
     * One transaction: take the batches' lock (readers of the ledger are not blocked), load the
     * batch's file list, fail if any of it is in the ledger already, COPY, merge, record.
     */
    List<Step> batch(String filesUrl, List<CopyGroup> groups, List<String> columns) {
        List<Step> steps = new ArrayList<>();
        steps.add(new Step(Role.LOCK, "LOCK " + lock));
        boolean merge = config.mode() == LoadMode.MERGE;
        if (merge) {
            // Two pipelines (two ledgers, two lock tables) may merge into one target. Under SNAPSHOT isolation, the
            // default for new clusters and workgroups (c_serial_isolation), both would insert a key. Merges into one
            // target take turns on a lock table named after it, before anything takes the transaction's snapshot
            // (LOCK takes none), so the second sees the first's rows. Not a LOCK on the target: that blocks its readers.
            steps.add(new Step(Role.LOCK, "LOCK " + mergeLock));
        }
        steps.add(new Step(Role.FILES, "CREATE TEMP TABLE " + FILES + " (\"key_sha256\" CHAR(64), \"key\" VARCHAR(1024), "
                + "\"etag\" VARCHAR(128), \"size\" BIGINT, \"batch_id\" VARCHAR(256))"));
        steps.add(new Step(Role.FILES, "COPY " + FILES + " FROM " + literal(filesUrl) + " IAM_ROLE " + role() + region
                + " CSV COMPUPDATE OFF STATUPDATE OFF"));
        // Raises ALREADY_LOADED when a file is in the ledger, which aborts the whole transaction.
        steps.add(new Step(Role.CHECK, "CALL " + checkProcedure(config.ledgerTable()).quoted() + "()"));
        config.preSql().ifPresent(q -> steps.add(new Step(Role.PRE, q)));
        if (merge) {
            steps.add(new Step(Role.STAGE, "CREATE TEMP TABLE " + STAGE + " (LIKE " + target + ")"));
        }
        String into = merge ? STAGE : target;
        for (CopyGroup g : groups) {
            steps.add(new Step(Role.COPY, "COPY " + into + columnList(config.columns()) + " FROM "
                    + literal(g.manifestUrl()) + " IAM_ROLE " + role() + copyRegion() + " MANIFEST " + format()
                    + (config.format() != FileFormat.PARQUET ? compressionOption(g.compression()) : "") + copyUpdates()));
        }
        if (merge) {
            steps.addAll(merge(columns));
        }
        steps.add(new Step(Role.LEDGER, "INSERT INTO " + ledger
                + " (\"key_sha256\", \"key\", \"etag\", \"size\", \"batch_id\", \"row_count\", \"loaded_at\") "
                + "SELECT \"key_sha256\", \"key\", \"etag\", \"size\", \"batch_id\", NULL, GETDATE() FROM " + FILES));
        config.postSql().ifPresent(q -> steps.add(new Step(Role.POST, q)));
        return steps;
    }

    /**
     * Delete, then insert one row per key. COPY loads in parallel, so "last row wins" has no
     * meaning within one batch here: one of the rows sharing a key is kept.
     */
    private List<Step> merge(List<String> columns) {
        String cols = columns.stream().map(TableName::quote).collect(Collectors.joining(", "));
        String keys = config.mergeKeys().stream().map(TableName::quote).collect(Collectors.joining(", "));
        String match = config.mergeKeys().stream()
                .map(k -> target + "." + TableName.quote(k) + " = " + STAGE + "." + TableName.quote(k))
                .collect(Collectors.joining(" AND "));
        return List.of(
                new Step(Role.MERGE, "DELETE FROM " + target + " USING " + STAGE + " WHERE " + match),
                new Step(Role.MERGE, "INSERT INTO " + target + " (" + cols + ") SELECT " + cols + " FROM (SELECT "
                        + cols + ", ROW_NUMBER() OVER (PARTITION BY " + keys + " ORDER BY " + keys
                        + ") AS s3loader_rn FROM " + STAGE + ") d WHERE s3loader_rn = 1"));
    }

    /**
     * COPY from Parquet takes only FROM, IAM_ROLE/CREDENTIALS, MANIFEST, STATUPDATE, EXPLICIT_IDS, FILLRECORD and
     * ACCEPTINVCHARS; REGION is refused even for a bucket in the cluster's own region (COPY from columnar data formats).
     */
    private String copyRegion() {
        return config.format() == FileFormat.PARQUET ? "" : region;
    }

    private String copyUpdates() {
        return config.format() == FileFormat.PARQUET ? " STATUPDATE OFF" : " COMPUPDATE OFF STATUPDATE OFF";
    }

    private String format() {
        if (config.format() == FileFormat.PARQUET) {
            // Columns by position, the table's count and order (COPY from columnar data formats); no DATEFORMAT,
            // TIMEFORMAT or compression option: Parquet's types and page codecs say it all.
            return "FORMAT AS PARQUET";
        }
        // Redshift's defaults are YYYY-MM-DD and YYYY-MM-DD HH:MI:SS; 'auto' (the loader's default) also reads ISO 8601
        // with T and Z (automatic-recognition), which PostgreSQL reads without being asked.
        String dates = " DATEFORMAT AS " + literal(config.redshiftDateFormat()) + " TIMEFORMAT AS "
                + literal(config.redshiftTimeFormat());
        if (config.format() == FileFormat.JSON) {
            // 'auto' matches keys case-sensitively against the (lowercase) column names: a key "userId"
            // would load NULL into userid without an error (copy-usage_notes-copy-from-json).
            return "FORMAT AS JSON 'auto ignorecase'" + dates;
        }
        CsvOptions csv = config.csv();
        // Redshift's grammar is CSV [QUOTE [AS] 'c']: QUOTE belongs right after CSV.
        return "CSV QUOTE AS " + literal(String.valueOf(csv.quote())) + " DELIMITER AS "
                + literal(String.valueOf(csv.delimiter())) + (csv.header() ? " IGNOREHEADER 1" : "")
                + " NULL AS " + literal(csv.nullString()) + dates;
    }

    /** copy-parameters-file-compression: GZIP, ZSTD or BZIP2 (nothing for uncompressed files). */
    static String compressionOption(Compression c) {
        return switch (c) {
            case GZIP, ZSTD, BZIP2 -> " " + c.name();
            case NONE -> "";
            case AUTO -> throw new IllegalArgumentException("a COPY group's compression is decided per file");
        };
    }

    private String role() {
        return iamRole.equals("default") ? "default" : literal(iamRole);
    }

    private static String columnList(List<String> columns) {
        return columns.isEmpty() ? "" : " (" + columns.stream().map(TableName::quote).collect(Collectors.joining(", ")) + ")";
    }

    /**
     * The audit's read of the ledger, in key order (see {@link RedshiftLedger} for why the order is the
     * hex of the key's UTF-8 bytes): the rows of the next {@code keys} keys, after {@code :after} unless first.
     */
    static String ledgerInKeyOrder(TableName ledger, int keys, boolean first) {
        String hex = "FROM_VARBYTE(TO_VARBYTE(\"key\", 'utf8'), 'hex')";
        return "WITH h AS (SELECT " + hex + " AS key_hex, \"etag\" FROM " + ledger.quoted()
                + (first ? "" : " WHERE " + hex + " > :after") + "), "
                + "upto AS (SELECT MAX(key_hex) AS last_hex FROM "
                + "(SELECT key_hex FROM h GROUP BY key_hex ORDER BY key_hex LIMIT " + keys + ") k) "
                + "SELECT h.key_hex, h.\"etag\" FROM h, upto WHERE h.key_hex <= upto.last_hex ORDER BY h.key_hex, h.\"etag\"";
    }

    /** A Redshift string literal: backslash is an escape character there, so it is doubled too. */
    static String literal(String value) {
        StringBuilder b = new StringBuilder("'");
        for (char ch : value.toCharArray()) {
            switch (ch) {
                case '\\' -> b.append("\\\\");
                case '\'' -> b.append("''");
                case '\t' -> b.append("\\t");
                default -> b.append(ch);
            }
        }
        return b.append('\'').toString();
    }
}
