package dev.s3loader.loader.destination.postgres;

import static dev.s3loader.loader.destination.postgres.Harness.deliveries;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.luben.zstd.ZstdOutputStream;
import dev.s3loader.loader.BatchOutcome;
import dev.s3loader.loader.LoaderWiring;
import dev.s3loader.model.ErrorReport;
import dev.s3loader.model.FileMessage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Drift named (CSV_HEADER=match, EXTRA_COLUMNS, JSON keys) against the real servers: a header
 * is mapped to the table by name, a file that lacks a NOT NULL column without a default or names
 * a column the table lacks goes to failed/ with that column named, extras load without their
 * column when ignored; keys are data (blanks, '+', '%', unicode).
 */
class ColumnDriftTest {
    private static final String ODD = "drift dir/a+b%2F ü 日本 ";
    private static Harness h;

    @BeforeAll
    static void start() {
        h = new Harness("column_drift_test");
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    private static void table(String name) {
        h.sql("DROP TABLE IF EXISTS " + name + "; CREATE TABLE " + name + " (id int NOT NULL, name text, amount int, "
                + "source text NOT NULL DEFAULT 'dflt', total int GENERATED ALWAYS AS (amount * 2) STORED)");
    }

    private static LoaderWiring loader(String table, String... kv) {
        List<String> all = new ArrayList<>(List.of("DB_TABLE", table, "DB_LEDGER_TABLE", table + "_ledger"));
        all.addAll(List.of(kv));
        return h.loader(h.env(all.toArray(String[]::new)));
    }

    private static String reportKey(String dir, String name) {
        return "_s3loader/reports/keys/" + dir + "/" + name + ".error.json";
    }

    private static byte[] zstd(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZstdOutputStream z = new ZstdOutputStream(out)) {
            z.write(text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    private static byte[] bzip2(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (BZip2CompressorOutputStream z = new BZip2CompressorOutputStream(out)) {
            z.write(text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    @Test
    void csvHeaderMatch_reorderedCaseDifferingHeader_loadsByName_missingColumnsTakeDefaults() {
        // Arrange: the header's order and case differ from the table's; "source" and "name" are absent
        table("d_reorder");
        FileMessage plain = h.put("incoming/reorder/" + ODD + "1.csv", "Amount,ID\r\n5,1\r\n6,2\r\n");
        FileMessage zst = h.put("incoming/reorder/" + ODD + "2.csv.zst", zstd("amount,\"Name\"\n1,x\n"));
        FileMessage bz2 = h.put("incoming/reorder/" + ODD + "3.csv.bz2",
                bzip2("source,name,id,amount\nfile,\"quoted, with \"\"comma\"\"\n and line\",3,7\n"));

        // Act
        BatchOutcome outcome = loader("d_reorder", "CSV_HEADER", "match").processor()
                .process(deliveries(List.of(plain, bz2)));
        BatchOutcome missingId = loader("d_reorder", "CSV_HEADER", "match").processor().process(deliveries(List.of(zst)));

        // Assert
        assertThat(outcome.failed()).isZero();
        assertThat(outcome.processed()).isEqualTo(2);
        assertThat(h.column("SELECT id || '|' || coalesce(name, '-') || '|' || amount || '|' || source || '|' || total "
                + "FROM d_reorder ORDER BY id")).containsExactly("1|-|5|dflt|10", "2|-|6|dflt|12",
                "3|quoted, with \"comma\"\n and line|7|file|14");
        assertThat(missingId.failed()).isEqualTo(1);
        ErrorReport r = h.report(reportKey("reorder", ODD + "2.csv.zst"));
        assertThat(r.reason()).contains("\"id\"").contains("NOT NULL without a default");
        assertThat(r.detail()).containsEntry("column", "id");
    }

    @Test
    void csvHeaderMatch_unknownColumn_failedNamingIt_othersOfTheBatchLoad() {
        // Arrange
        table("d_unknown");
        FileMessage good = h.put("incoming/unknown/good.csv", "id,amount\n1,2\n");
        FileMessage bad = h.put("incoming/unknown/" + ODD + "bad.csv", "id,colour,amount\n2,red,3\n");
        FileMessage generated = h.put("incoming/unknown/generated.csv", "id,total\n3,4\n");

        // Act
        BatchOutcome outcome = loader("d_unknown", "CSV_HEADER", "match").processor()
                .process(deliveries(List.of(good, bad, generated)));

        // Assert
        assertThat(outcome.failedMessageIds()).isEmpty();
        assertThat(outcome.processed()).isEqualTo(1);
        assertThat(outcome.failed()).isEqualTo(2);
        assertThat(h.count("SELECT count(*) FROM d_unknown")).isEqualTo(1);
        ErrorReport r = h.report(reportKey("unknown", ODD + "bad.csv"));
        assertThat(r.reason()).startsWith("column \"colour\" is not a column of the table").contains("line 1");
        assertThat(r.detail()).containsEntry("column", "colour").containsEntry("line", "1");
        // A generated column cannot be written: to a file it is no column of the table.
        assertThat(h.report(reportKey("unknown", "generated.csv")).detail()).containsEntry("column", "total");
        assertThat(h.keys("failed/unknown/")).contains("failed/unknown/" + ODD + "bad.csv");
    }

    @Test
    void csvHeaderMatch_extraColumnsIgnored_loadsTheRestWithoutThem_errorsKeepTheFilesLineNumbers() {
        // Arrange: ignored columns first, middle and last, holding delimiters, quotes and line breaks
        table("d_extras");
        FileMessage f = h.put("incoming/extras/" + ODD + "x.csv",
                "note,id,\"skip,me\",amount,tail\n"
                        + "\"a,b\",1,\"x\"\"y\nz\",10,\"t\"\n"
                        + ",2,,20,\n"
                        + "n,3,\"q\",30,last\n");
        FileMessage badRow = h.put("incoming/extras/badrow.csv", "extra,id,amount\n1,1,1\nx,2,not-a-number\n");

        // Act
        BatchOutcome outcome = loader("d_extras", "CSV_HEADER", "match", "EXTRA_COLUMNS", "ignore").processor()
                .process(deliveries(List.of(f, badRow)));

        // Assert
        assertThat(outcome.processed()).isEqualTo(1);
        assertThat(h.column("SELECT id || ':' || amount FROM d_extras ORDER BY id")).containsExactly("1:10", "2:20", "3:30");
        ErrorReport r = h.report(reportKey("extras", "badrow.csv"));
        assertThat(r.detail()).containsEntry("line", "3").containsEntry("column", "amount");
    }

    @Test
    void json_unknownKeyWithExtraColumnsFail_andMissingNotNullKey_failedNamingKeyAndLine() {
        // Arrange: JSON lines load a missing key as NULL, not a default, so every NOT NULL key is required
        table("d_json");
        h.sql("ALTER TABLE d_json ALTER COLUMN source DROP NOT NULL");
        FileMessage good = h.put("incoming/json/good.json", "{\"id\":1,\"amount\":2,\"extra\":true}\n");
        FileMessage unknown = h.put("incoming/json/" + ODD + "unknown.json",
                "{\"id\":2}\n\n{\"id\":3,\"colour\":\"red\"}\n");
        FileMessage missing = h.put("incoming/json/missing.json", "{\"id\":4}\n{\"name\":\"no id\"}\n");

        // Act
        BatchOutcome strict = loader("d_json", "FILE_FORMAT", "json", "EXTRA_COLUMNS", "fail").processor()
                .process(deliveries(List.of(unknown, missing)));
        BatchOutcome lenient = loader("d_json", "FILE_FORMAT", "json").processor().process(deliveries(List.of(good)));

        // Assert
        assertThat(strict.failed()).isEqualTo(2);
        ErrorReport u = h.report(reportKey("json", ODD + "unknown.json"));
        assertThat(u.reason()).contains("\"colour\"").contains("line 3");
        assertThat(u.detail()).containsEntry("column", "colour").containsEntry("line", "3");
        ErrorReport m = h.report(reportKey("json", "missing.json"));
        assertThat(m.reason()).contains("\"id\"").contains("NOT NULL").contains("line 2");
        assertThat(m.detail()).containsEntry("column", "id");
        assertThat(lenient.processed()).isEqualTo(1);
        assertThat(h.column("SELECT id || ':' || amount FROM d_json")).containsExactly("1:2");
    }

    @Test
    void csvHeaderMatch_mergeMode_byteOrderMark_reorderedHeaderReplacesRowsByKey() {
        // Arrange: a spreadsheet's export (byte order mark, CRLF), columns in another order, merged on id
        table("d_merge");
        h.sql("INSERT INTO d_merge (id, name, amount) VALUES (1, 'old', 1)");
        FileMessage f = h.put("incoming/merge/" + ODD + "m.csv", "\uFEFFname,amount,id\r\nnew,2,1\r\nother,3,2\r\n");

        // Act
        BatchOutcome outcome = loader("d_merge", "CSV_HEADER", "match", "LOAD_MODE", "merge", "MERGE_KEYS", "id")
                .processor().process(deliveries(List.of(f)));

        // Assert
        assertThat(outcome.processed()).isEqualTo(1);
        assertThat(h.column("SELECT id || ':' || name || ':' || amount || ':' || source FROM d_merge ORDER BY id"))
                .containsExactly("1:new:2:dflt", "2:other:3:dflt");
    }
}
