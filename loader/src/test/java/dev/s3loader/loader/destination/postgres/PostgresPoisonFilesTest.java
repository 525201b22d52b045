package dev.s3loader.loader.destination.postgres;

import static dev.s3loader.loader.destination.postgres.Harness.deliveries;
import static org.assertj.core.api.Assertions.assertThat;

import dev.s3loader.loader.BatchOutcome;
import dev.s3loader.model.FileMessage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The poison files, all in one batch with good files: each poison file ends in failed/
 * with a reason a person understands, and every good file of the batch loads.
 */
class PostgresPoisonFilesTest {
    private static Harness h;

    @BeforeAll
    static void start() {
        h = new Harness("pg_poison_test");
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    @Test
    void batchWithEveryPoisonFileAndGoodFiles_poisonToFailedWithReasons_goodFilesLoad() {
        // Arrange: a header line in every file; name holds at most 10 characters.
        h.sql("DROP TABLE IF EXISTS t_poison; DROP TABLE IF EXISTS t_poison_ledger; "
                + "CREATE TABLE t_poison (id int NOT NULL, name varchar(10), amount int)");
        String header = "id,name,amount\n";
        Map<String, byte[]> poison = new LinkedHashMap<>();
        poison.put("binary.csv", concat(header.getBytes(StandardCharsets.US_ASCII),
                new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R', '\n'}));
        poison.put("latin1.csv", (header + "7,café,1\n").getBytes(StandardCharsets.ISO_8859_1));
        poison.put("header-only.csv", header.getBytes(StandardCharsets.US_ASCII));
        poison.put("empty.csv", new byte[0]);
        poison.put("too-long.csv", (header + "8,short,1\n9,far too long for ten,2\n").getBytes(StandardCharsets.UTF_8));
        poison.put("not-gzip.csv.gz", (header + "10,x,1\n").getBytes(StandardCharsets.UTF_8));
        List<FileMessage> files = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            files.add(h.put("incoming/poison/good-" + i + ".csv", header + (i * 10 + 100) + ",ok " + i + "," + i + "\n"
                    + (i * 10 + 101) + ",ok " + i + "," + i + "\n"));
        }
        poison.forEach((name, body) -> files.add(h.put("incoming/poison/" + name, body)));
        files.add(h.put("incoming/poison/good-gzip.csv.gz", Harness.gzip(header + "500,gz,5\n")));

        // Act
        BatchOutcome outcome = h.loader(h.env("DB_TABLE", "t_poison", "DB_LEDGER_TABLE", "t_poison_ledger",
                "CSV_HEADER", "true")).processor().process(deliveries(files));

        // Assert: the good files, and nothing of the poison ones.
        assertThat(outcome.failedMessageIds()).isEmpty();
        assertThat(outcome.processed()).isEqualTo(5);
        assertThat(outcome.failed()).isEqualTo(poison.size());
        assertThat(h.count("SELECT count(*) FROM t_poison")).isEqualTo(9);
        assertThat(h.count("SELECT count(*) FROM t_poison WHERE id < 100")).isZero();
        assertThat(h.keys("processed/poison/")).hasSize(5);
        assertThat(h.keys("failed/poison/")).hasSize(poison.size());
        assertThat(h.count("SELECT count(*) FROM t_poison_ledger")).isEqualTo(5);
        Map<String, String> reasons = new LinkedHashMap<>();
        poison.keySet().forEach(name -> reasons.put(name,
                h.report("_s3loader/reports/keys/poison/" + name + ".error.json").reason()));
        assertThat(reasons.get("binary.csv")).contains("not UTF-8 text").contains("line 2");
        assertThat(reasons.get("latin1.csv")).contains("not UTF-8 text").contains("line 2");
        assertThat(reasons.get("header-only.csv")).contains("no rows");
        assertThat(reasons.get("empty.csv")).contains("no rows").contains("empty");
        assertThat(reasons.get("too-long.csv")).contains("line 3").contains("column name").contains("value too long");
        assertThat(reasons.get("not-gzip.csv.gz")).contains("not a valid gzip file");
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
