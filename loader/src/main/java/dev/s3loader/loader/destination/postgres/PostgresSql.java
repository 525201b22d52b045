package dev.s3loader.loader.destination.postgres;

import dev.s3loader.model.CsvOptions;
import dev.s3loader.model.DatabaseConfig;
import dev.s3loader.model.PostgresLiteral;
import dev.s3loader.model.TableName;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The SQL text of the postgres destination. Only configuration (quoted identifiers, escaped
 * literals) is ever written into it; keys, etags and file contents travel as bind parameters or
 * through COPY's data stream.
 */
final class PostgresSql {
    /** JSON lines are staged one document per row; the ordinal keeps the file's order. */
    static final String JSON_STAGE = "pg_temp.s3loader_json";
    /** Merge mode stages rows here first; the sequence makes "last row of the batch wins" exact. */
    static final String MERGE_STAGE = "pg_temp.s3loader_stage";
    static final String MERGE_SEQ = "s3loader_seq";

    private final DatabaseConfig config;
    private final String target;
    private final String ledger;

    PostgresSql(DatabaseConfig config) {
        this.config = config;
        this.target = config.requireTable().quoted();
        this.ledger = config.ledgerTable().quoted();
    }

    String target() {
        return target;
    }

    /** The ledger: one row per loaded (key, etag); its primary key is what makes a second claim wait or fail. */
    String createLedger() {
        return "CREATE TABLE IF NOT EXISTS " + ledger + " ("
                + "\"key\" text NOT NULL, \"etag\" text NOT NULL, \"size\" bigint NOT NULL, "
                + "\"batch_id\" text NOT NULL, \"row_count\" bigint, "
                + "\"loaded_at\" timestamptz NOT NULL DEFAULT now(), "
                + "PRIMARY KEY (\"key\", \"etag\"))";
    }

    /**
     * Claims a batch's files in one statement: batch id, then keys, etags and sizes as arrays, in the
     * order given (the global claim order, so two batches sharing files never deadlock). Returns the
     * (key, etag, loaded_at) of each row this statement inserted; a row another transaction holds
     * uncommitted makes it wait, then skip the row if that transaction committed.
     */
    String claimAll() {
        return "INSERT INTO " + ledger + " (\"key\", \"etag\", \"size\", \"batch_id\") "
                + "SELECT f.\"key\", f.\"etag\", f.\"size\", CAST(? AS text) "
                + "FROM unnest(CAST(? AS text[]), CAST(? AS text[]), CAST(? AS bigint[])) WITH ORDINALITY "
                + "AS f(\"key\", \"etag\", \"size\", n) ORDER BY f.n "
                + "ON CONFLICT (\"key\", \"etag\") DO NOTHING RETURNING \"key\", \"etag\", \"loaded_at\"";
    }

    /**
     * Ends a batch's claims in one statement: keys, etags and row counts as arrays; a file with a
     * count gets it recorded, a file without one (not loaded: rejected, gone, or handed back) loses
     * its claim, so that its next delivery loads it.
     */
    String settleClaims() {
        return "WITH f AS (SELECT * FROM unnest(CAST(? AS text[]), CAST(? AS text[]), CAST(? AS bigint[])) "
                + "AS f(\"key\", \"etag\", \"rows\")), "
                + "counted AS (UPDATE " + ledger + " l SET \"row_count\" = f.\"rows\" FROM f "
                + "WHERE f.\"rows\" IS NOT NULL AND l.\"key\" = f.\"key\" AND l.\"etag\" = f.\"etag\") "
                + "DELETE FROM " + ledger + " l USING f "
                + "WHERE f.\"rows\" IS NULL AND l.\"key\" = f.\"key\" AND l.\"etag\" = f.\"etag\"";
    }

    /** Which of the given (key, etag) pairs the ledger holds: two text arrays, any number of files, one query. */
    String findLoaded() {
        return "SELECT l.\"key\", l.\"etag\" FROM " + ledger + " l "
                + "JOIN unnest(CAST(? AS text[]), CAST(? AS text[])) AS f(\"key\", \"etag\") "
                + "ON l.\"key\" = f.\"key\" AND l.\"etag\" = f.\"etag\"";
    }

    /** When the ledger recorded each of the given (key, etag) pairs: loaded_at, set once in the load's transaction. */
    String findLoadTimes() {
        return "SELECT l.\"key\", l.\"etag\", l.\"loaded_at\" FROM " + ledger + " l "
                + "JOIN unnest(CAST(? AS text[]), CAST(? AS text[])) AS f(\"key\", \"etag\") "
                + "ON l.\"key\" = f.\"key\" AND l.\"etag\" = f.\"etag\"";
    }

    /** The table's loadable columns in order (generated columns cannot be written). */
    static String tableColumns() {
        return "SELECT a.attname FROM pg_catalog.pg_attribute a WHERE a.attrelid = CAST(? AS regclass) "
                + "AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' ORDER BY a.attnum";
    }

    /**
     * The table's loadable columns in order, each with whether a file must name it: NOT NULL with
     * neither a default nor identity when the load leaves unnamed columns to their defaults (CSV),
     * every NOT NULL column when it writes NULL for them (JSON: jsonb_populate_record). Generated
     * columns cannot be written and are left out.
     */
    static String tableColumnsWithRequired(boolean defaultsApply) {
        return "SELECT a.attname, a.attnotnull" + (defaultsApply ? " AND NOT a.atthasdef AND a.attidentity = ''" : "")
                + " FROM pg_catalog.pg_attribute a WHERE a.attrelid = CAST(? AS regclass) "
                + "AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' ORDER BY a.attnum";
    }

    /**
     * The keys of the staged JSON documents, each with the line of the file it first appears on,
     * first seen first (documents that are not objects are left to jsonb_populate_record's error).
     */
    String jsonKeys() {
        return "SELECT k, min(j.n) - (SELECT min(n) FROM " + JSON_STAGE + ") + 1 AS line FROM " + JSON_STAGE
                + " j CROSS JOIN LATERAL jsonb_object_keys(j.doc) k WHERE jsonb_typeof(j.doc) = 'object' "
                + "GROUP BY k ORDER BY line, k";
    }

    /**
     * The first staged JSON document lacking one of the given keys (a text array): the key and the
     * document's line in the file. A key present with the value null is not lacking: COPY's own
     * NOT NULL error names it.
     */
    String jsonMissingKey() {
        return "SELECT c, j.n - (SELECT min(n) FROM " + JSON_STAGE + ") + 1 AS line FROM " + JSON_STAGE
                + " j CROSS JOIN unnest(CAST(? AS text[])) c WHERE jsonb_typeof(j.doc) = 'object' "
                + "AND (j.doc -> c) IS NULL ORDER BY line LIMIT 1";
    }

    String copyCsv(String into, List<String> columns) {
        CsvOptions csv = config.csv();
        return "COPY " + into + " " + columnList(columns) + " FROM STDIN WITH (FORMAT csv"
                + ", DELIMITER " + PostgresLiteral.of(String.valueOf(csv.delimiter()))
                + ", QUOTE " + PostgresLiteral.of(String.valueOf(csv.quote()))
                + ", NULL " + PostgresLiteral.of(csv.nullString())
                + ", HEADER " + csv.header() + ")";
    }

    String createJsonStage() {
        return "CREATE TEMP TABLE s3loader_json (n bigserial, doc jsonb) ON COMMIT DROP";
    }

    /**
     * One JSON document per line into a jsonb column: CSV mode with quote and delimiter bytes that
     * valid JSON text cannot contain unescaped (U+0001, U+0002), so each line arrives verbatim and
     * a malformed line fails with its line number.
     */
    String copyJson() {
        return "COPY " + JSON_STAGE + " (doc) FROM STDIN WITH (FORMAT csv, DELIMITER E'\\x02', QUOTE E'\\x01')";
    }

    /** Keys are matched to column names by jsonb_populate_record, as Redshift's JSON 'auto' does. */
    String insertJson(String into, List<String> columns) {
        String select = columns.stream().map(c -> "r." + TableName.quote(c)).collect(Collectors.joining(", "));
        return "INSERT INTO " + into + " " + columnList(columns) + " SELECT " + select + " FROM " + JSON_STAGE
                + " j CROSS JOIN LATERAL jsonb_populate_record(CAST(NULL AS " + target + "), j.doc) r"
                + " WHERE j.doc IS NOT NULL ORDER BY j.n";
    }

    String clearJsonStage() {
        return "TRUNCATE " + JSON_STAGE;
    }

    List<String> createMergeStage() {
        return List.of(
                "CREATE TEMP TABLE s3loader_stage (LIKE " + target + " INCLUDING DEFAULTS INCLUDING CONSTRAINTS) ON COMMIT DROP",
                "ALTER TABLE " + MERGE_STAGE + " ADD COLUMN " + MERGE_SEQ + " bigserial");
    }

    /**
     * Replace, then insert: rows of the target matching a staged key are deleted and the last staged
     * row of each key inserted. The table lock (which readers pass) serialises concurrent merges, so
     * two batches cannot both insert a key that neither saw deleted.
     */
    List<String> merge(List<String> columns) {
        List<String> keys = config.mergeKeys();
        String cols = columns.stream().map(TableName::quote).collect(Collectors.joining(", "));
        String keyCols = keys.stream().map(TableName::quote).collect(Collectors.joining(", "));
        String match = keys.stream().map(k -> "t." + TableName.quote(k) + " = s." + TableName.quote(k))
                .collect(Collectors.joining(" AND "));
        return List.of(
                "LOCK TABLE " + target + " IN SHARE ROW EXCLUSIVE MODE",
                "DELETE FROM " + target + " AS t USING " + MERGE_STAGE + " AS s WHERE " + match,
                "INSERT INTO " + target + " (" + cols + ") SELECT " + cols + " FROM (SELECT DISTINCT ON (" + keyCols
                        + ") * FROM " + MERGE_STAGE + " ORDER BY " + keyCols + ", " + MERGE_SEQ + " DESC) d");
    }

    static String columnList(List<String> columns) {
        return "(" + columns.stream().map(TableName::quote).collect(Collectors.joining(", ")) + ")";
    }

    /** The audit's read of the ledger: every row, by key then etag in byte order (UTF-8's order: S3's listing order). */
    static String ledgerInKeyOrder(TableName ledger) {
        return "SELECT \"key\", \"etag\" FROM " + ledger.quoted() + " ORDER BY \"key\" COLLATE \"C\", \"etag\" COLLATE \"C\"";
    }
}
