package dev.s3loader.loader.destination;

import static dev.s3loader.loader.destination.postgres.Harness.deliveries;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.luben.zstd.ZstdOutputStream;
import dev.s3loader.embedded.redshift.EmbeddedRedshiftData;
import dev.s3loader.loader.BatchOutcome;
import dev.s3loader.loader.LoaderWiring;
import dev.s3loader.loader.destination.postgres.Harness;
import dev.s3loader.model.FileMessage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.redshiftdata.RedshiftDataClient;

/**
 * CSV and JSON lines compressed with zstd and bzip2 (and gzip beside them) into both databases:
 * each file loads to the same rows as DuckDB reads from the same bytes, row for row; a corrupt
 * or truncated file goes to failed/ with a reason naming its compression, the others load.
 * The files are written by zstd-jni's and commons-compress's writers (the loader uses their
 * readers) and compared with DuckDB, whose own zstd and gzip readers are independent of both;
 * DuckDB has no bzip2 reader, so bzip2 files reach it through the {@code bzip2} tool (.ci/run
 * installs it). Two files per format are larger than ReadAhead's 1 MiB even compressed, so they
 * stream from S3 through the decompressor.
 */
class CompressedFilesTest {
    private static final String ROLE = "arn:aws:iam::123456789012:role/s3loader-copy";
    /** Keys are data: blanks, '+', '%', unicode. */
    private static final String ODD = "dir with space/a+b%20c ü 日本";
    private static Harness h;
    private static EmbeddedRedshiftData redshift;
    private static RedshiftDataClient client;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void start() {
        h = new Harness("compressed_files_test");
        redshift = EmbeddedRedshiftData.start(h.pg, h.s3);
        client = redshift.newClient();
    }

    @AfterAll
    static void stop() {
        client.close();
        redshift.close();
        h.close();
    }

    private static void table(String name) {
        h.sql("DROP TABLE IF EXISTS " + name + "; CREATE TABLE " + name
                + " (id bigint NOT NULL, name text, amount numeric(12,2))");
    }

    private static LoaderWiring postgres(String table, String... kv) {
        List<String> all = new ArrayList<>(List.of("DB_TABLE", table, "DB_LEDGER_TABLE", table + "_ledger"));
        all.addAll(List.of(kv));
        return h.loader(h.env(all.toArray(String[]::new)));
    }

    private static LoaderWiring redshift(String table, String... kv) {
        Map<String, String> env = new HashMap<>(Map.of("BUCKET", h.bucket, "DESTINATION", "redshift",
                "REDSHIFT_WORKGROUP", "s3loader", "DB_NAME", h.database, "REDSHIFT_IAM_ROLE", ROLE,
                "DB_TABLE", table, "DB_LEDGER_TABLE", table + "_ledger"));
        for (int i = 0; i < kv.length; i += 2) {
            env.put(kv[i], kv[i + 1]);
        }
        return h.loader(env, () -> client);
    }

    /** Rows with what breaks naive readers: quotes, delimiters and line breaks in fields, unicode, NULLs. */
    private static String csv(int first, int rows) {
        StringBuilder b = new StringBuilder();
        for (int i = first; i < first + rows; i++) {
            String name = switch (i % 5) {
                case 0 -> "\"quoted \"\"x\"\", with comma\"";
                case 1 -> "\"two\nlines\"";
                case 2 -> "ünïcödé 日本 " + i;
                case 3 -> "";
                default -> "plain " + i;
            };
            b.append(i).append(',').append(name).append(',').append(i % 7 == 0 ? "" : i + ".25").append('\n');
        }
        return b.toString();
    }

    private static String json(int first, int rows) {
        StringBuilder b = new StringBuilder();
        for (int i = first; i < first + rows; i++) {
            String name = switch (i % 4) {
                case 0 -> "\"quote \\\" and , comma\"";
                case 1 -> "\"line\\nbreak ü 日本\"";
                case 2 -> "null";
                default -> "\"plain " + i + "\"";
            };
            b.append("{\"id\":").append(i).append(",\"name\":").append(name)
                    .append(i % 7 == 0 ? "" : ",\"amount\":" + i + ".25").append("}\n");
        }
        return b.toString();
    }

    /** Rows whose names are random letters, so that even compressed the file is a few MiB. */
    private static String noisy(int first, int rows, boolean json) {
        java.util.Random r = new java.util.Random(first);
        StringBuilder b = new StringBuilder();
        for (int i = first; i < first + rows; i++) {
            StringBuilder name = new StringBuilder();
            for (int k = 0; k < 48; k++) {
                name.append((char) ('a' + r.nextInt(26)));
            }
            b.append(json ? "{\"id\":" + i + ",\"name\":\"" + name + "\",\"amount\":" + i % 1000 + ".5}"
                    : i + "," + name + "," + i % 1000 + ".5").append('\n');
        }
        return b.toString();
    }

    static byte[] zstd(String... frames) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String f : frames) { // each part its own frame, as `cat a.zst b.zst` makes
            write(out, o -> new ZstdOutputStream(o, 3), f);
        }
        return out.toByteArray();
    }

    static byte[] bzip2(String... streams) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String s : streams) {
            write(out, BZip2CompressorOutputStream::new, s);
        }
        return out.toByteArray();
    }

    static byte[] gzip(String... members) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String m : members) {
            write(out, GZIPOutputStream::new, m);
        }
        return out.toByteArray();
    }

    private interface Wrap {
        OutputStream wrap(OutputStream o) throws IOException;
    }

    private static void write(ByteArrayOutputStream out, Wrap wrap, String text) {
        ByteArrayOutputStream one = new ByteArrayOutputStream();
        try (OutputStream o = wrap.wrap(one)) {
            o.write(text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        out.writeBytes(one.toByteArray());
    }

    /** What DuckDB reads from these bytes, as the loaded table's text: id, name, amount, ordered by id. */
    private static List<List<String>> duckdb(String name, byte[] bytes, boolean json) throws Exception {
        Path file = tmp.resolve(name);
        Files.write(file, bytes);
        String compression = name.endsWith(".zst") ? "zstd" : name.endsWith(".gz") ? "gzip" : "none";
        if (name.endsWith(".bz2")) {
            file = bunzip2(file);
        }
        String path = file.toString().replace("'", "''");
        String columns = "{'id': 'BIGINT', 'name': 'VARCHAR', 'amount': 'DECIMAL(12,2)'}";
        String from = json
                ? "read_json('" + path + "', format = 'newline_delimited', compression = '" + compression
                        + "', columns = " + columns + ")"
                : "read_csv('" + path + "', header = false, quote = '\"', escape = '\"', delim = ',', compression = '"
                        + compression + "', columns = " + columns + ")";
        List<List<String>> rows = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, name, CAST(amount AS VARCHAR) FROM " + from + " ORDER BY id")) {
            while (rs.next()) {
                rows.add(Arrays.asList(rs.getString(1), rs.getString(2), amount(rs.getString(3))));
            }
        }
        return rows;
    }

    /** A decimal as text with its two places: engines differ in printing trailing zeros, not in the value. */
    private static String amount(String v) {
        return v == null ? null : new java.math.BigDecimal(v).setScale(2).toPlainString();
    }

    /** DuckDB reads no bzip2: the file goes through the bzip2 tool first, an implementation apart from the loader's. */
    private static Path bunzip2(Path file) throws Exception {
        Path out = tmp.resolve(file.getFileName() + ".plain");
        Process p = new ProcessBuilder("bzip2", "-dc", file.toString()).redirectOutput(out.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        assertThat(p.waitFor()).as("bzip2 -dc (the bzip2 tool must be installed)").isZero();
        return out;
    }

    /** The table's rows as text; CSV's empty unquoted field and JSON's null are both NULL. */
    private static List<List<String>> rows(String table, long from, long to) throws SQLException {
        List<List<String>> rows = new ArrayList<>();
        try (Connection c = h.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, name, amount::text FROM " + table + " WHERE id BETWEEN " + from
                     + " AND " + to + " ORDER BY id")) {
            while (rs.next()) {
                rows.add(Arrays.asList(rs.getString(1), rs.getString(2), amount(rs.getString(3))));
            }
        }
        return rows;
    }

    private record Case(String key, byte[] bytes, int first, int rows) {
    }

    /**
     * Each compression, a file big enough for several bzip2 blocks and zstd blocks, in two frames or
     * members; and a zstd and a bzip2 file larger than ReadAhead reads whole.
     */
    private static List<Case> corpus(String dir, boolean json) {
        String ext = json ? ".json" : ".csv";
        java.util.function.BiFunction<Integer, Integer, String> text = json ? CompressedFilesTest::json : CompressedFilesTest::csv;
        List<Case> out = new ArrayList<>();
        int first = 1;
        int rows = 12_000;
        out.add(new Case(dir + "/" + ODD + " z" + ext + ".zst",
                zstd(text.apply(first, rows / 2), text.apply(first + rows / 2, rows / 2)), first, rows));
        first += rows;
        out.add(new Case(dir + "/" + ODD + " b" + ext + ".bz2",
                bzip2(text.apply(first, rows / 2), text.apply(first + rows / 2, rows / 2)), first, rows));
        first += rows;
        out.add(new Case(dir + "/" + ODD + " g" + ext + ".gz",
                gzip(text.apply(first, rows / 2), text.apply(first + rows / 2, rows / 2)), first, rows));
        first += rows;
        // Above ReadAhead's 1 MiB even compressed (random text): these stream from S3 through the decompressor.
        int big = 60_000;
        String noise = noisy(first, big, json);
        out.add(new Case(dir + "/big " + ODD + ext + ".zst", zstd(noise), first, big));
        first += big;
        out.add(new Case(dir + "/big " + ODD + ext + ".bz2", bzip2(noisy(first, big, json)), first, big));
        return out;
    }

    private static void loadsLikeDuckDb(String table, LoaderWiring loader, String dir, boolean json) throws Exception {
        // Arrange
        table(table);
        List<Case> cases = corpus(dir, json);
        List<FileMessage> files = cases.stream().map(c -> h.put("incoming/" + c.key(), c.bytes())).toList();

        // Act
        BatchOutcome outcome = loader.processor().process(deliveries(files));

        // Assert
        assertThat(outcome.failed()).as("failed files").isZero();
        assertThat(outcome.processed()).isEqualTo(cases.size());
        assertThat(cases.stream().filter(c -> c.bytes().length > (1 << 20)).count()).as("files streamed").isEqualTo(2);
        for (Case c : cases) {
            List<List<String>> expected = duckdb(c.key().substring(c.key().lastIndexOf('/') + 1), c.bytes(), json);
            assertThat(expected).as("DuckDB's rows of " + c.key()).hasSize(c.rows());
            assertThat(rows(table, c.first(), c.first() + c.rows() - 1)).as(c.key()).isEqualTo(expected);
        }
        assertThat(h.keys("processed/" + dir + "/")).hasSize(cases.size());
    }

    @Test
    void csv_zstdBzip2Gzip_intoPostgres_rowsAsDuckDbReadsThem() throws Exception {
        loadsLikeDuckDb("c_pg_csv", postgres("c_pg_csv"), "pgcsv", false);
    }

    @Test
    void json_zstdBzip2Gzip_intoPostgres_rowsAsDuckDbReadsThem() throws Exception {
        loadsLikeDuckDb("c_pg_json", postgres("c_pg_json", "FILE_FORMAT", "json"), "pgjson", true);
    }

    @Test
    void csv_zstdBzip2Gzip_intoRedshift_oneCopyPerCompression_rowsAsDuckDbReadsThem() throws Exception {
        loadsLikeDuckDb("c_rs_csv", redshift("c_rs_csv"), "rscsv", false);
        List<String> copies = redshift.statements().stream().filter(st -> st.batch() && st.mentions("\"c_rs_csv\""))
                .flatMap(st -> st.sqls().stream()).filter(q -> q.startsWith("COPY \"c_rs_csv\"")).toList();
        assertThat(copies).hasSize(3);
        assertThat(copies).anyMatch(q -> q.contains(" ZSTD ")).anyMatch(q -> q.contains(" BZIP2 "))
                .anyMatch(q -> q.contains(" GZIP "));
    }

    @Test
    void json_zstdBzip2Gzip_intoRedshift_rowsAsDuckDbReadsThem() throws Exception {
        loadsLikeDuckDb("c_rs_json", redshift("c_rs_json", "FILE_FORMAT", "json"), "rsjson", true);
    }

    @Test
    void compressionSetting_zstd_readsEveryFileAsZstdWhateverItsName() throws Exception {
        // Arrange
        table("c_forced");
        FileMessage f = h.put("incoming/forced/" + ODD + ".data", zstd(csv(1, 10)));

        // Act
        BatchOutcome outcome = postgres("c_forced", "COMPRESSION", "zstd").processor().process(deliveries(List.of(f)));

        // Assert
        assertThat(outcome.processed()).isEqualTo(1);
        assertThat(h.count("SELECT count(*) FROM c_forced")).isEqualTo(10);
    }

    private static List<FileMessage> corruptCorpus(String dir) {
        byte[] zst = zstd(csv(1, 2000));
        byte[] bz2 = bzip2(csv(1, 2000));
        return List.of(
                h.put("incoming/" + dir + "/good " + ODD + ".csv.zst", zstd(csv(1, 3))),
                h.put("incoming/" + dir + "/good.csv.bz2", bzip2(csv(4, 3))),
                h.put("incoming/" + dir + "/truncated " + ODD + ".csv.zst", Arrays.copyOf(zst, zst.length - 20)),
                h.put("incoming/" + dir + "/truncated.csv.bz2", Arrays.copyOf(bz2, bz2.length / 2)),
                h.put("incoming/" + dir + "/not-zstd.csv.zst", "1,plain text,2\n"),
                h.put("incoming/" + dir + "/not-bzip2.csv.bz2", "1,plain text,2\n"));
    }

    @Test
    void corruptOrTruncated_zstdAndBzip2_intoPostgres_failedWithReason_othersLoad() {
        // Arrange
        table("c_pg_bad");
        List<FileMessage> files = corruptCorpus("pgbad");

        // Act
        BatchOutcome outcome = postgres("c_pg_bad").processor().process(deliveries(files));

        // Assert: a bad file is the file's fault, never a retry
        assertThat(outcome.failedMessageIds()).isEmpty();
        assertThat(outcome.processed()).isEqualTo(2);
        assertThat(outcome.failed()).isEqualTo(4);
        assertThat(h.count("SELECT count(*) FROM c_pg_bad")).isEqualTo(6);
        assertThat(h.keys("failed/pgbad/")).filteredOn(k -> !k.endsWith(".json")).containsExactlyInAnyOrder(
                "failed/pgbad/truncated " + ODD + ".csv.zst", "failed/pgbad/truncated.csv.bz2",
                "failed/pgbad/not-zstd.csv.zst", "failed/pgbad/not-bzip2.csv.bz2");
        assertThat(h.report("_s3loader/reports/keys/pgbad/truncated " + ODD + ".csv.zst.error.json").reason())
                .startsWith("not a valid zstd file");
        assertThat(h.report("_s3loader/reports/keys/pgbad/truncated.csv.bz2.error.json").reason())
                .startsWith("not a valid bzip2 file");
        assertThat(h.report("_s3loader/reports/keys/pgbad/not-zstd.csv.zst.error.json").reason())
                .startsWith("not a valid zstd file");
        assertThat(h.report("_s3loader/reports/keys/pgbad/not-bzip2.csv.bz2.error.json").reason())
                .startsWith("not a valid bzip2 file");
    }

    @Test
    void corruptOrTruncated_zstdAndBzip2_intoRedshift_failedWithReason_othersLoad() {
        // Arrange
        table("c_rs_bad");
        List<FileMessage> files = corruptCorpus("rsbad");

        // Act
        BatchOutcome outcome = redshift("c_rs_bad").processor().process(deliveries(files));

        // Assert
        assertThat(outcome.failedMessageIds()).isEmpty();
        assertThat(outcome.processed()).isEqualTo(2);
        assertThat(outcome.failed()).isEqualTo(4);
        assertThat(h.count("SELECT count(*) FROM c_rs_bad")).isEqualTo(6);
        assertThat(h.keys("failed/rsbad/")).filteredOn(k -> !k.endsWith(".json")).hasSize(4);
        assertThat(h.report("_s3loader/reports/keys/rsbad/truncated.csv.bz2.error.json").reason())
                .contains("cannot be decompressed");
    }
}
