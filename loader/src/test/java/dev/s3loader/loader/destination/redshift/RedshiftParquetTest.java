package dev.s3loader.loader.destination.redshift;

import static dev.s3loader.loader.destination.postgres.Harness.deliveries;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.s3loader.embedded.redshift.ColumnarReader;
import dev.s3loader.embedded.redshift.EmbeddedRedshiftData;
import dev.s3loader.loader.BatchOutcome;
import dev.s3loader.loader.destination.postgres.Harness;
import dev.s3loader.loader.format.parquet.BytesParquetFile;
import dev.s3loader.loader.format.parquet.ParquetRows;
import dev.s3loader.loader.format.parquet.ParquetValues;
import dev.s3loader.model.FileMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.parquet.schema.Type;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.redshiftdata.RedshiftDataClient;
import software.amazon.awssdk.services.redshiftdata.model.StatusString;

/**
 * FILE_FORMAT=parquet on Redshift: {@code COPY ... FORMAT AS PARQUET} from the batch's manifest (with
 * each entry's content_length, which COPY from columnar files requires), and none of the options
 * Redshift refuses with it (REGION, DATEFORMAT, TIMEFORMAT, GZIP, COMPUPDATE). The local Data API reads
 * the files with the loader's own Parquet reader, by position as Redshift does.
 */
class RedshiftParquetTest {
    private static final String ROLE = "arn:aws:iam::123456789012:role/s3loader-copy";
    private static Harness h;
    private static EmbeddedRedshiftData redshift;
    private static RedshiftDataClient client;
    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        h = new Harness("rs_parquet_test");
        redshift = EmbeddedRedshiftData.start(h.pg, h.s3);
        redshift.parquetReader(RedshiftParquetTest::read);
        client = redshift.newClient();
    }

    @AfterAll
    static void stop() {
        client.close();
        redshift.close();
        h.close();
    }

    /** The loader's reader, as text by position: what the emulator's COPY loads. */
    private static ColumnarReader.Table read(byte[] file) throws java.io.IOException {
        try (ParquetRows rows = ParquetRows.open(new BytesParquetFile(file))) {
            List<Type> fields = rows.fields();
            List<List<String>> out = new ArrayList<>();
            rows.read(fields.stream().map(Type::getName).toList(), values -> {
                String[] row = new String[fields.size()];
                for (int i = 0; i < row.length; i++) {
                    row[i] = ParquetValues.text(fields.get(i), values[i]);
                }
                out.add(Arrays.asList(row));
            });
            return new ColumnarReader.Table(fields.stream().map(Type::getName).toList(), out);
        }
    }

    private static Map<String, String> env(String table, String... kv) {
        Map<String, String> env = new HashMap<>(Map.of("BUCKET", h.bucket, "DESTINATION", "redshift",
                "REDSHIFT_WORKGROUP", "s3loader", "DB_NAME", h.database, "REDSHIFT_IAM_ROLE", ROLE,
                "DB_TABLE", table, "DB_LEDGER_TABLE", table + "_ledger", "FILE_FORMAT", "parquet"));
        for (int i = 0; i < kv.length; i += 2) {
            env.put(kv[i], kv[i + 1]);
        }
        return env;
    }

    private static byte[] parquet(String name, String select, String codec) throws Exception {
        Path file = dir.resolve(name);
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:"); Statement s = duck.createStatement()) {
            s.execute("COPY (" + select + ") TO '" + file + "' (FORMAT parquet, COMPRESSION " + codec + ")");
        }
        return Files.readAllBytes(file);
    }

    @Test
    void parquetFiles_copyFormatAsParquet_byPosition_withoutRefusedOptions() throws Exception {
        // Arrange
        h.sql("DROP TABLE IF EXISTS r_pq; CREATE TABLE r_pq (id int NOT NULL, name varchar(40), made timestamp, amount numeric(10,2))");
        List<FileMessage> files = new ArrayList<>();
        String[] codecs = {"snappy", "zstd", "gzip"};
        for (int f = 0; f < 3; f++) {
            files.add(h.put("incoming/pq/it's f" + f + " ü.parquet", parquet("f" + f + ".parquet",
                    "SELECT i::INTEGER AS id, 'n ' || i AS name, TIMESTAMP '2024-01-01' + to_seconds(i) AS made, "
                            + "(i / 4)::DECIMAL(10,2) AS amount FROM range(" + f * 100 + ", " + (f * 100 + 100) + ") t(i)", codecs[f])));
        }

        // Act
        BatchOutcome outcome = h.loader(env("r_pq"), () -> client).processor().process(deliveries(files));

        // Assert
        assertThat(outcome.processed()).isEqualTo(3);
        assertThat(h.count("SELECT count(*) FROM r_pq")).isEqualTo(300);
        assertThat(h.one("SELECT name || '|' || made || '|' || amount FROM r_pq WHERE id = 201")).isEqualTo("n 201|2024-01-01 00:03:21|50.25");
        assertThat(h.count("SELECT count(*) FROM r_pq_ledger")).isEqualTo(3);
        List<String> copies = redshift.submittedSql().stream().filter(q -> q.startsWith("COPY \"r_pq\"")).toList();
        assertThat(copies).isNotEmpty().allSatisfy(q -> assertThat(q).contains(" MANIFEST FORMAT AS PARQUET")
                .doesNotContain("REGION").doesNotContain("DATEFORMAT").doesNotContain("TIMEFORMAT")
                .doesNotContain("GZIP").doesNotContain("COMPUPDATE"));
        assertThat(h.keys("processed/pq/")).hasSize(3);
    }

    @Test
    void aFileWithOtherColumns_failsAlone() throws Exception {
        // Arrange: Redshift maps Parquet columns by position; a file with a column too many cannot load
        h.sql("DROP TABLE IF EXISTS r_pq_bad; CREATE TABLE r_pq_bad (id int NOT NULL, name varchar(40))");
        FileMessage good = h.put("incoming/pqbad/good.parquet", parquet("good.parquet", "SELECT 1 AS id, 'a' AS name", "snappy"));
        FileMessage bad = h.put("incoming/pqbad/bad.parquet", parquet("bad.parquet", "SELECT 2 AS id, 'b' AS name, 3 AS extra", "snappy"));

        // Act
        BatchOutcome outcome = h.loader(env("r_pq_bad"), () -> client).processor().process(deliveries(List.of(good, bad)));

        // Assert
        assertThat(outcome.processed()).isEqualTo(1);
        assertThat(outcome.failed()).isEqualTo(1);
        assertThat(h.column("SELECT name FROM r_pq_bad")).containsExactly("a");
        assertThat(h.keys("failed/pqbad/")).containsExactly("failed/pqbad/bad.parquet");
        assertThat(h.report("_s3loader/reports/keys/pqbad/bad.parquet.error.json").reason()).contains("3 columns");
    }

    @Test
    void emulator_refusesDateformatWithParquet_asRedshiftDoes() {
        h.sql("DROP TABLE IF EXISTS r_pq_opt; CREATE TABLE r_pq_opt (id int)");
        String id = client.executeStatement(b -> b.workgroupName("s3loader").database(h.database).sql(
                "COPY r_pq_opt FROM 's3://" + h.bucket + "/x.parquet' IAM_ROLE '" + ROLE + "' FORMAT AS PARQUET DATEFORMAT 'auto'")).id();
        assertThatThrownBy(() -> {
            for (int i = 0; i < 600; i++) {
                var d = client.describeStatement(b -> b.id(id));
                if (d.status() == StatusString.FAILED) {
                    throw new IllegalStateException(d.error());
                }
                if (d.status() == StatusString.FINISHED) {
                    return;
                }
                Thread.sleep(50);
            }
        }).hasMessageContaining("DATEFORMAT argument is not supported for PARQUET based COPY");
    }
}
