package dev.s3loader.loader.destination.postgres;

import static dev.s3loader.loader.destination.postgres.Harness.deliveries;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.s3loader.loader.BatchOutcome;
import dev.s3loader.loader.LoaderWiring;
import dev.s3loader.model.ErrorReport;
import dev.s3loader.model.FileMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FILE_FORMAT=parquet into PostgreSQL, on files an independent writer made: DuckDB's
 * {@code COPY ... TO (FORMAT parquet)} with every type the loader converts, nested columns, nulls,
 * several row groups and each of Parquet's common codecs. Each file must load into the table to
 * exactly the rows DuckDB reads from the same file, row for row.
 */
class ParquetCorpusTest {
    /** JSON compared as JSON: the two engines space and order keys differently; written back with keys sorted. */
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(com.fasterxml.jackson.databind.SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
    private static Harness h;
    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        h = new Harness("parquet_corpus_test");
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    /** The table every corpus file loads into: a column per field, one (note) the files lack; the files' extra field is not here. */
    private static void table(String name) {
        h.sql("DROP TABLE IF EXISTS " + name + "; CREATE TABLE " + name + " (id int NOT NULL, tiny smallint, small smallint, "
                + "big bigint, uint bigint, ubig numeric(20,0), flag boolean, f4 real, f8 double precision, "
                + "dec4 numeric(4,1), dec numeric(12,2), dec38 numeric(38,10), name text, d date, ts timestamp, "
                + "ts_ms timestamp, ts_ns timestamp, tstz timestamptz, t time, b bytea, u uuid, j jsonb, "
                + "tags jsonb, attrs jsonb, m jsonb, pad text, note text)");
    }

    /** Every field with a NULL every seventh row; the id is never NULL. */
    private static final String SELECT = """
            SELECT i::INTEGER AS id,
              n(i, (i % 100)::TINYINT) AS tiny,
              n(i, (i % 30000 - 15000)::SMALLINT) AS small,
              n(i, i::BIGINT * 1000000007) AS big,
              n(i, (4294967295 - i)::UINTEGER) AS uint,
              n(i, (18446744073709551615 - i)::UBIGINT) AS ubig,
              n(i, i % 2 = 0) AS flag,
              n(i, (i / 4.0)::FLOAT) AS f4,
              n(i, i * 0.1::DOUBLE) AS f8,
              n(i, ((i % 1000) / 10.0 - 50)::DECIMAL(4,1)) AS dec4,
              n(i, (i * 1.25 - 100)::DECIMAL(12,2)) AS dec,
              n(i, (i * 12345.6789012345)::DECIMAL(38,10)) AS dec38,
              n(i, CASE i % 5 WHEN 0 THEN 'plain ' || i WHEN 1 THEN 'comma, "quote" '' ' || i
                   WHEN 2 THEN 'line' || chr(10) || 'break\\ ' || i WHEN 3 THEN 'ünïcødé 😀 ' || i ELSE '' END) AS name,
              n(i, DATE '1999-12-30' + i::INTEGER) AS d,
              n(i, TIMESTAMP '2020-01-01' + to_microseconds(i::BIGINT * 1234567891)) AS ts,
              n(i, CAST(TIMESTAMP '1969-12-31 23:59:58' + to_microseconds(i::BIGINT * 1234567000) AS TIMESTAMP_MS)) AS ts_ms,
              n(i, CAST(TIMESTAMP '2020-01-01' + to_microseconds(i::BIGINT * 7654321) AS TIMESTAMP_NS)) AS ts_ns,
              n(i, CAST(TIMESTAMP '2021-06-01 12:00:00' + to_microseconds(i::BIGINT * 98765432) AS TIMESTAMPTZ)) AS tstz,
              n(i, TIME '00:00:00' + to_microseconds(i::BIGINT * 1000003)) AS t,
              n(i, CAST('bytes ' || i || chr(0) AS BLOB)) AS b,
              n(i, md5(i::VARCHAR)::UUID) AS u,
              n(i, ('{"n": ' || i || ', "s": "x\\"y", "a": [1, {"b": null}]}')::JSON) AS j,
              CASE WHEN i % 7 = 0 THEN NULL WHEN i % 7 = 1 THEN []::INTEGER[] ELSE [i, i + 1, NULL] END AS tags,
              n(i, {'a': i, 's': 'x' || i, 'inner': {'ok': i % 2 = 0, 'xs': ['p', 'q']}}) AS attrs,
              n(i, MAP {'k' || i: i, 'z': NULL}) AS m,
              md5(i::VARCHAR) || md5((i + 1)::VARCHAR) AS pad,
              'not in the table' AS extra
            FROM range(0, ROWS) t(i)
            """;

    /** What DuckDB reads from the file, one text per column, in the table's column order (JSON columns as JSON). */
    private static final List<String> DUCK = List.of("id", "tiny", "small", "big", "uint", "ubig", "flag", "f4", "f8", "dec4",
            "dec", "dec38", "name", "strftime(d, '%Y-%m-%d')", "epoch_us(ts)", "epoch_us(ts_ms)", "epoch_us(ts_ns)",
            "epoch_us(tstz)", "CAST(t AS VARCHAR)", "upper(hex(b))", "u", "j", "to_json(tags)", "to_json(attrs)",
            "to_json(m)", "pad", "NULL");
    private static final List<String> PG = List.of("id", "tiny", "small", "big", "uint", "ubig", "flag", "f4", "f8", "dec4",
            "dec", "dec38", "name", "to_char(d, 'YYYY-MM-DD')", "(extract(epoch FROM ts) * 1000000)::bigint",
            "(extract(epoch FROM ts_ms) * 1000000)::bigint", "(extract(epoch FROM ts_ns) * 1000000)::bigint",
            "(extract(epoch FROM tstz) * 1000000)::bigint", "t::text", "upper(encode(b, 'hex'))", "u", "j", "tags", "attrs",
            "m", "pad", "note");
    private static final Set<Integer> JSON_COLUMNS = Set.of(21, 22, 23, 24);
    /** Floats compared as numbers: DuckDB prints 1.0 where PostgreSQL prints 1. */
    private static final Set<Integer> FLOAT_COLUMNS = Set.of(7, 8);

    private static Path write(String name, int rows, String options) throws SQLException {
        Path file = dir.resolve(name);
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:"); Statement s = duck.createStatement()) {
            s.execute("CREATE MACRO n(i, v) AS CASE WHEN i % 7 = 0 THEN NULL ELSE v END");
            s.execute("COPY (" + SELECT.replace("ROWS", Integer.toString(rows)) + ") TO '" + file + "' (FORMAT parquet, " + options + ")");
        }
        return file;
    }

    private static List<List<String>> duckRows(Path file) throws Exception {
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:"); Statement s = duck.createStatement()) {
            s.execute("SET TimeZone = 'UTC'");
            List<String> cast = DUCK.stream().map(e -> "CAST(" + e + " AS VARCHAR)").toList();
            return rows(s, "SELECT " + String.join(", ", cast) + " FROM read_parquet('" + file + "') ORDER BY id");
        }
    }

    private static long rowGroups(Path file) throws SQLException {
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:"); Statement s = duck.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(DISTINCT row_group_id) FROM parquet_metadata('" + file + "')")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static List<List<String>> pgRows(String table) throws Exception {
        try (Connection c = h.connect(); Statement s = c.createStatement()) {
            List<String> cast = PG.stream().map(e -> "CAST(" + e + " AS text)").toList();
            return rows(s, "SELECT " + String.join(", ", cast) + " FROM " + table + " ORDER BY " + table + ".id");
        }
    }

    private static List<List<String>> rows(Statement s, String query) throws Exception {
        List<List<String>> out = new ArrayList<>();
        try (ResultSet rs = s.executeQuery(query)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<String> row = new ArrayList<>();
                for (int i = 1; i <= n; i++) {
                    String v = rs.getString(i);
                    if (v != null && JSON_COLUMNS.contains(i - 1)) {
                        v = JSON.writeValueAsString(JSON.readValue(v, Object.class));
                    } else if (v != null && FLOAT_COLUMNS.contains(i - 1)) {
                        v = Double.toString(Double.parseDouble(v));
                    }
                    row.add(v);
                }
                out.add(row);
            }
        }
        return out;
    }

    private static void loadsAsDuckDbReadsIt(String table, String codec, int rows, int rowGroupSize) throws Exception {
        // Arrange
        table(table);
        Path file = write(table + ".parquet", rows, "COMPRESSION " + codec + ", ROW_GROUP_SIZE " + rowGroupSize);
        assertThat(rowGroups(file)).as("row groups").isGreaterThan(1);
        if (rows >= 30_000) {
            assertThat(Files.size(file)).as("larger than what is read ahead whole: read by ranged GETs").isGreaterThan(ReadAhead.MAX_BYTES);
        }
        FileMessage f = h.put("incoming/" + table + "/it's a \"file\" ü + %.parquet", Files.readAllBytes(file));
        LoaderWiring loader = h.loader(h.env("DB_TABLE", table, "DB_LEDGER_TABLE", table + "_ledger", "FILE_FORMAT", "parquet"));

        // Act
        BatchOutcome outcome = loader.processor().process(deliveries(List.of(f)));

        // Assert
        assertThat(outcome.processed()).as("processed (failed: %s)", h.keys("failed/")).isEqualTo(1);
        List<List<String>> expected = duckRows(file);
        List<List<String>> loaded = pgRows(table);
        assertThat(loaded).hasSize(rows);
        for (int i = 0; i < rows; i++) {
            assertThat(loaded.get(i)).as("row %d (%s)", i, PG).isEqualTo(expected.get(i));
        }
        assertThat(h.keys("processed/" + table + "/")).containsExactly("processed/" + table + "/it's a \"file\" ü + %.parquet");
        assertThat(h.count("SELECT row_count FROM " + table + "_ledger")).isEqualTo(rows);
    }

    @Test
    void zstd_severalRowGroups_rangedReads_sameRowsAsDuckDb() throws Exception {
        // Larger than the read-ahead limit: read from S3 by ranged GETs, a row group at a time.
        loadsAsDuckDbReadsIt("pq_zstd", "zstd", 30_000, 7_000);
    }

    @Test
    void snappy_sameRowsAsDuckDb() throws Exception {
        loadsAsDuckDbReadsIt("pq_snappy", "snappy", 3_000, 1_000);
    }

    @Test
    void gzip_sameRowsAsDuckDb() throws Exception {
        loadsAsDuckDbReadsIt("pq_gzip", "gzip", 3_000, 1_000);
    }

    @Test
    void uncompressed_sameRowsAsDuckDb() throws Exception {
        loadsAsDuckDbReadsIt("pq_plain", "uncompressed", 5_000, 2_048);
    }

    @Test
    void unconvertibleColumn_fileFailsNamingTheColumnAndBothTypes() throws Exception {
        // Arrange: a boolean field for an int column
        h.sql("DROP TABLE IF EXISTS pq_bad; CREATE TABLE pq_bad (id int NOT NULL, amount int)");
        Path file = dir.resolve("bad.parquet");
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:"); Statement s = duck.createStatement()) {
            s.execute("COPY (SELECT 1 AS id, true AS amount) TO '" + file + "' (FORMAT parquet)");
        }
        FileMessage f = h.put("incoming/pq_bad/a.parquet", Files.readAllBytes(file));

        // Act
        BatchOutcome outcome = h.loader(h.env("DB_TABLE", "pq_bad", "DB_LEDGER_TABLE", "pq_bad_ledger", "FILE_FORMAT", "parquet"))
                .processor().process(deliveries(List.of(f)));

        // Assert
        assertThat(outcome.failed()).isEqualTo(1);
        assertThat(h.keys("failed/pq_bad/")).containsExactly("failed/pq_bad/a.parquet");
        ErrorReport report = h.report("_s3loader/reports/keys/pq_bad/a.parquet.error.json");
        assertThat(report.reason()).contains("amount").contains("boolean").contains("int4");
        assertThat(report.detail()).containsEntry("column", "amount").containsEntry("columnType", "int4")
                .containsEntry("parquetType", "boolean");
        assertThat(h.count("SELECT count(*) FROM pq_bad")).isZero();
    }

    @Test
    void extraField_withExtraColumnsFail_failsNamingIt_theSameRuleAsCsvHeadersAndJsonKeys() throws Exception {
        // Arrange: the file has a field the table lacks
        h.sql("DROP TABLE IF EXISTS pq_extra; CREATE TABLE pq_extra (id int NOT NULL, note text)");
        Path file = dir.resolve("extra.parquet");
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:"); Statement s = duck.createStatement()) {
            s.execute("COPY (SELECT 1 AS id, 'x' AS other) TO '" + file + "' (FORMAT parquet)");
        }
        FileMessage f = h.put("incoming/pq_extra/a.parquet", Files.readAllBytes(file));

        // Act
        BatchOutcome outcome = h.loader(h.env("DB_TABLE", "pq_extra", "DB_LEDGER_TABLE", "pq_extra_ledger",
                "FILE_FORMAT", "parquet", "EXTRA_COLUMNS", "fail")).processor().process(deliveries(List.of(f)));

        // Assert
        assertThat(outcome.failed()).isEqualTo(1);
        ErrorReport report = h.report("_s3loader/reports/keys/pq_extra/a.parquet.error.json");
        assertThat(report.reason()).contains("\"other\" is not a column of the table");
        assertThat(report.detail()).containsEntry("column", "other");
        assertThat(h.count("SELECT count(*) FROM pq_extra")).isZero();
    }

    @Test
    void missingNotNullColumn_fails_missingNullableLoadsNull_extraIgnored() throws Exception {
        // Arrange
        h.sql("DROP TABLE IF EXISTS pq_missing; CREATE TABLE pq_missing (id int NOT NULL, code text NOT NULL, note text, "
                + "made timestamptz NOT NULL DEFAULT now())");
        h.sql("DROP TABLE IF EXISTS pq_nullable; CREATE TABLE pq_nullable (id int NOT NULL, note text, "
                + "made timestamptz NOT NULL DEFAULT now())");
        Path file = dir.resolve("missing.parquet");
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:"); Statement s = duck.createStatement()) {
            s.execute("COPY (SELECT 1 AS ID, 'x' AS other) TO '" + file + "' (FORMAT parquet)");
        }
        FileMessage a = h.put("incoming/pq_missing/a.parquet", Files.readAllBytes(file));
        FileMessage b = h.put("incoming/pq_nullable/b.parquet", Files.readAllBytes(file));

        // Act
        BatchOutcome missing = h.loader(h.env("DB_TABLE", "pq_missing", "DB_LEDGER_TABLE", "pq_missing_ledger",
                "FILE_FORMAT", "parquet")).processor().process(deliveries(List.of(a)));
        BatchOutcome nullable = h.loader(h.env("DB_TABLE", "pq_nullable", "DB_LEDGER_TABLE", "pq_nullable_ledger",
                "FILE_FORMAT", "parquet")).processor().process(deliveries(List.of(b)));

        // Assert: code is NOT NULL without a default; made has one; ID matches id ignoring case
        assertThat(missing.failed()).isEqualTo(1);
        assertThat(h.report("_s3loader/reports/keys/pq_missing/a.parquet.error.json").reason())
                .contains("NOT NULL column code");
        assertThat(nullable.processed()).isEqualTo(1);
        assertThat(h.column("SELECT id || ':' || coalesce(note, 'null') || ':' || (made IS NOT NULL) FROM pq_nullable"))
                .containsExactly("1:null:true");
    }

    @Test
    void notParquet_andAValueTheColumnRefuses_failWithTheReason() throws Exception {
        // Arrange
        h.sql("DROP TABLE IF EXISTS pq_values; CREATE TABLE pq_values (id int NOT NULL, amount int)");
        Path file = dir.resolve("values.parquet");
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:"); Statement s = duck.createStatement()) {
            s.execute("COPY (SELECT i AS id, CASE WHEN i = 2 THEN 'many' ELSE i::VARCHAR END AS amount FROM range(1, 4) t(i)) TO '"
                    + file + "' (FORMAT parquet)");
        }
        FileMessage text = h.put("incoming/pq_values/a.parquet", "id,amount\n1,2\n");
        FileMessage values = h.put("incoming/pq_values/b.parquet", Files.readAllBytes(file));

        // Act
        BatchOutcome outcome = h.loader(h.env("DB_TABLE", "pq_values", "DB_LEDGER_TABLE", "pq_values_ledger",
                "FILE_FORMAT", "parquet")).processor().process(deliveries(List.of(text, values)));

        // Assert
        assertThat(outcome.failed()).isEqualTo(2);
        assertThat(h.report("_s3loader/reports/keys/pq_values/a.parquet.error.json").reason()).contains("not a readable Parquet file");
        ErrorReport bad = h.report("_s3loader/reports/keys/pq_values/b.parquet.error.json");
        assertThat(bad.detail()).containsEntry("line", "2").containsEntry("column", "amount");
        assertThat(h.count("SELECT count(*) FROM pq_values")).isZero();
    }
}
