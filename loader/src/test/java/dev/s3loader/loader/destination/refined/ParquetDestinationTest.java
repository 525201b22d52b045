package dev.s3loader.loader.destination.refined;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.s3loader.clients.S3Objects;
import dev.s3loader.embedded.SharedServers;
import dev.s3loader.loader.BatchOutcome;
import dev.s3loader.loader.Delivery;
import dev.s3loader.loader.LoaderWiring;
import dev.s3loader.loader.Step;
import dev.s3loader.loader.StepHook;
import dev.s3loader.model.ConfigException;
import dev.s3loader.model.ErrorReport;
import dev.s3loader.model.FileMessage;
import dev.s3loader.model.Layout;
import dev.s3loader.model.LoaderConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The refined zone through the real loader on the embedded S3 server, read back by an independent
 * Parquet reader (DuckDB): the rows, the partition, one copy whatever the crashes and redeliveries,
 * awkward keys, and a bad row's way to failed/.
 */
class ParquetDestinationTest {
    private static final Layout LAYOUT = Layout.defaults();
    private static final String COLUMNS = "id:long,name:string,qty:int,price:decimal(10,2),big:decimal(30,4),ratio:double,"
            + "ok:boolean,on_day:date,at_time:timestamp";
    private static S3Client s3;
    private static String bucket;

    @TempDir
    Path tmp;

    /** A worker's death at a step: not an exception the lifecycle catches. */
    static final class WorkerDeath extends Error {
        WorkerDeath(String message) {
            super(message, null, false, false);
        }
    }

    @BeforeAll
    static void setUp() {
        s3 = SharedServers.s3().newClient();
        bucket = "refined-" + UUID.randomUUID().toString().substring(0, 8);
        s3.createBucket(b -> b.bucket(bucket));
    }

    @AfterAll
    static void tearDown() {
        s3.close();
    }

    private LoaderWiring loader(Map<String, String> extra, StepHook hook) {
        Map<String, String> env = new HashMap<>(Map.of("BUCKET", bucket, "DESTINATION", "parquet", "REFINED_COLUMNS", COLUMNS,
                "CSV_HEADER", "true"));
        env.putAll(extra);
        return new LoaderWiring(LoaderConfig.fromEnv(env), new LoaderWiring.Clients(s3, () -> {
            throw new IllegalStateException("not used");
        }), line -> { }, Clock.systemUTC(), hook);
    }

    private BatchOutcome process(Map<String, String> extra, StepHook hook, FileMessage... files) {
        try (LoaderWiring loader = loader(extra, hook)) {
            return loader.processor().process(java.util.Arrays.stream(files)
                    .map(f -> new Delivery(UUID.randomUUID().toString(), f.toJson(), 1)).toList());
        }
    }

    private FileMessage drop(String key, byte[] content) {
        s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(content));
        String etag = s3.headObject(b -> b.bucket(bucket).key(key)).eTag();
        return new FileMessage(bucket, key, etag, content.length, Instant.now());
    }

    private FileMessage drop(String key, String content) {
        return drop(key, content.getBytes(StandardCharsets.UTF_8));
    }

    private boolean exists(String key) {
        return S3Objects.exists(s3, bucket, key);
    }

    /** The refined objects written for one source version (its digest names them), all partitions. */
    private List<String> outputsOf(FileMessage f) {
        String digest = RefinedKeys.digest(f);
        return refinedKeys("refined/").stream().filter(k -> k.substring(k.lastIndexOf('/') + 1).startsWith(digest)).toList();
    }

    private List<String> refinedKeys(String prefix) {
        List<String> keys = new ArrayList<>();
        for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents()) {
            keys.add(o.key());
        }
        return keys;
    }

    /** Downloads objects keeping their keys as paths below {@link #tmp}, for DuckDB's hive_partitioning. */
    private Path download(List<String> keys) throws IOException {
        Path root = Files.createTempDirectory(tmp, "dl");
        for (String k : keys) {
            Path p = root.resolve(k);
            Files.createDirectories(p.getParent());
            Files.write(p, s3.getObjectAsBytes(b -> b.bucket(bucket).key(k)).asByteArray());
        }
        return root;
    }

    private static List<List<Object>> query(String sql) throws SQLException {
        List<List<Object>> rows = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); var s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            int n = r.getMetaData().getColumnCount();
            while (r.next()) {
                List<Object> row = new ArrayList<>();
                for (int i = 1; i <= n; i++) {
                    Object v = r.getObject(i);
                    row.add(v == null ? null : v.toString());
                }
                rows.add(row);
            }
        }
        return rows;
    }

    private static String sqlPath(Path p) {
        return "'" + p.toString().replace("'", "''") + "'";
    }

    private static ZonedDateTime lastModified(String key) {
        return s3.headObject(b -> b.bucket(bucket).key(key)).lastModified().atZone(ZoneOffset.UTC);
    }

    @Test
    void csv_everyTypeRowForRow_readBackByDuckDb_underTheFilesDatePartition_sourceInProcessed() throws Exception {
        String csv = "id,name,qty,price,big,ratio,ok,on_day,at_time\n"
                + "1,plain,7,12.50,123456789012345678901234.5678,0.25,true,2024-02-29,2024-02-29T23:59:59.123456Z\n"
                + "2,\"comma, \"\"quoted\"\" and\nnewline\",-3,-0.01,-1.0000,-1e10,f,1970-01-01,2024-03-01 01:02:03+02:00\n"
                + "3,,,,,,,,\n"
                + "4,\"\",0,99999999.99,0,NaN,0,9999-12-31,2024-01-01 00:00:00\r\n";
        FileMessage f = drop("incoming/sales/2024/day one.csv", csv);
        ZonedDateTime modified = lastModified(f.key());

        BatchOutcome out = process(Map.of(), StepHook.NONE, f);

        assertThat(out.failedMessageIds()).isEmpty();
        assertThat(exists(f.key())).isFalse();
        assertThat(exists("processed/sales/2024/day one.csv")).isTrue();
        List<String> outputs = outputsOf(f);
        assertThat(outputs).hasSize(1);
        assertThat(outputs.getFirst()).startsWith(String.format("refined/year=%04d/month=%02d/day=%02d/",
                modified.getYear(), modified.getMonthValue(), modified.getDayOfMonth())).endsWith("-day_one.csv.parquet");

        Path root = download(outputs);
        List<List<Object>> rows = query("SELECT id, name, qty, price, big, ratio, ok, on_day, epoch_us(at_time),"
                + " CAST(year AS INTEGER), CAST(month AS INTEGER), CAST(day AS INTEGER)"
                + " FROM read_parquet(" + sqlPath(root.resolve("refined/**/*.parquet")) + ", hive_partitioning = true) ORDER BY id");
        String y = Integer.toString(modified.getYear());
        String m = Integer.toString(modified.getMonthValue());
        String d = Integer.toString(modified.getDayOfMonth());
        assertThat(rows).containsExactly(
                List.of("1", "plain", "7", "12.50", "123456789012345678901234.5678", "0.25", "true", "2024-02-29",
                        "1709251199123456", y, m, d),
                List.of("2", "comma, \"quoted\" and\nnewline", "-3", "-0.01", "-1.0000", "-1.0E10", "false", "1970-01-01",
                        "1709247723000000", y, m, d),
                nullsExceptId("3", y, m, d),
                List.of("4", "", "0", "99999999.99", "0.0000", "NaN", "false", "9999-12-31", "1704067200000000", y, m, d));
        // The Parquet schema DuckDB sees: the configured types, not strings.
        assertThat(query("SELECT name, type FROM parquet_schema(" + sqlPath(root.resolve(outputs.getFirst())) + ") WHERE name <> 'refined'"))
                .extracting(r -> r.get(0) + " " + r.get(1))
                .containsExactly("id INT64", "name BYTE_ARRAY", "qty INT32", "price INT64", "big FIXED_LEN_BYTE_ARRAY",
                        "ratio DOUBLE", "ok BOOLEAN", "on_day INT32", "at_time INT64");
        // The footer names the source version.
        assertThat(query("SELECT decode(key), decode(value) FROM parquet_kv_metadata(" + sqlPath(root.resolve(outputs.getFirst()))
                + ") WHERE decode(key) LIKE 's3loader.%' ORDER BY 1"))
                .containsExactly(List.of("s3loader.source.bucket", bucket), List.of("s3loader.source.etag", RefinedKeys.bare(f.etag())),
                        List.of("s3loader.source.key", f.key()));
    }

    private static List<Object> nullsExceptId(String id, String y, String m, String d) {
        List<Object> row = new ArrayList<>(java.util.Collections.nCopies(12, null));
        row.set(0, id);
        row.set(9, y);
        row.set(10, m);
        row.set(11, d);
        return row;
    }

    @Test
    void jsonLinesGzip_keysMatchedByName_zstdOutput() throws Exception {
        String json = "{\"id\": 1, \"name\": \"a\", \"qty\": 2, \"price\": 3.5, \"ok\": true, \"on_day\": \"2024-05-06\", \"extra\": [1]}\n"
                + "\n"
                + "{\"id\": 2, \"at_time\": \"2024-05-06T07:08:09Z\", \"big\": \"1.5\", \"ratio\": 2}\n";
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
            z.write(json.getBytes(StandardCharsets.UTF_8));
        }
        FileMessage f = drop("incoming/json/events.jsonl.gz", gz.toByteArray());

        BatchOutcome out = process(Map.of("FILE_FORMAT", "json", "CSV_HEADER", "false", "REFINED_COMPRESSION", "zstd"),
                StepHook.NONE, f);

        assertThat(out.failedMessageIds()).isEmpty();
        Path root = download(outputsOf(f));
        assertThat(query("SELECT id, name, qty, price, big, ratio, ok, on_day, epoch_us(at_time) FROM read_parquet("
                + sqlPath(root.resolve("refined/**/*.parquet")) + ") ORDER BY id")).containsExactly(
                java.util.Arrays.asList("1", "a", "2", "3.50", null, null, "true", "2024-05-06", null),
                java.util.Arrays.asList("2", null, null, null, "1.5000", "2.0", null, null, "1714979289000000"));
        assertThat(query("SELECT DISTINCT compression FROM parquet_metadata(" + sqlPath(root.resolve(outputsOf(f).getFirst())) + ")"))
                .containsExactly(List.of("ZSTD"));
    }

    @Test
    void crashAfterTheOutputIsWritten_redeliveryInAnotherBatch_rewritesTheSameKey_oneCopyOfEachRow() throws Exception {
        for (Step step : List.of(Step.LOADED, Step.COPIED)) {
            String dir = "incoming/crash-" + step.name().toLowerCase() + "/";
            FileMessage a = drop(dir + "a.csv", "id,name,qty,price,big,ratio,ok,on_day,at_time\n1,a,,,,,,,\n2,b,,,,,,,\n");
            FileMessage b = drop(dir + "b.csv", "id,name,qty,price,big,ratio,ok,on_day,at_time\n3,c,,,,,,,\n");

            StepHook dies = (reached, file) -> {
                if (reached == step) {
                    throw new WorkerDeath("killed at " + step);
                }
            };
            assertThatThrownBy(() -> process(Map.of(), dies, a, b)).isInstanceOf(WorkerDeath.class);
            // The output of the first attempt is there; the sources are still in incoming/.
            assertThat(outputsOf(a)).hasSize(1);
            assertThat(exists(a.key())).isTrue();

            // The redelivery: a alone, then b with a newcomer, as SQS may regroup them.
            FileMessage c = drop(dir + "c.csv", "id,name,qty,price,big,ratio,ok,on_day,at_time\n4,d,,,,,,,\n");
            assertThat(process(Map.of(), StepHook.NONE, a).failedMessageIds()).isEmpty();
            assertThat(process(Map.of(), StepHook.NONE, b, c).failedMessageIds()).isEmpty();
            // And once more, after everything moved: nothing is written again.
            assertThat(process(Map.of(), StepHook.NONE, a, b, c).failedMessageIds()).isEmpty();

            for (FileMessage f : List.of(a, b, c)) {
                assertThat(outputsOf(f)).as(f.key()).hasSize(1);
                assertThat(exists(f.key())).isFalse();
                assertThat(exists("processed/" + LAYOUT.relative(f.key()))).isTrue();
            }
            List<String> all = new ArrayList<>();
            for (FileMessage f : List.of(a, b, c)) {
                all.addAll(outputsOf(f));
            }
            Path root = download(all);
            assertThat(query("SELECT id, name FROM read_parquet(" + sqlPath(root.resolve("refined/**/*.parquet")) + ") ORDER BY id"))
                    .as("after a crash at " + step)
                    .containsExactly(List.of("1", "a"), List.of("2", "b"), List.of("3", "c"), List.of("4", "d"));
        }
    }

    @Test
    void awkwardKeys_giveUrlAndHiveSafeOutputKeys_withTheirRows() throws Exception {
        List<String> names = List.of("with space.csv", "quote's \"double\".csv", "plus+sign.csv", "100%.csv",
                "unicodé 数据 ☃.csv", "year=2020/month=1.csv", "_hidden.csv", ".dot.csv", "ctrl\u0001\ttab.csv");
        List<FileMessage> files = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            files.add(drop("incoming/awkward/" + names.get(i), "id,name,qty,price,big,ratio,ok,on_day,at_time\n" + i + "," + names.get(i)
                    .replace("\"", "\"\"").transform(s -> "\"" + s + "\"") + ",,,,,,,\n"));
        }

        BatchOutcome out = process(Map.of(), StepHook.NONE, files.toArray(FileMessage[]::new));

        assertThat(out.failedMessageIds()).isEmpty();
        List<String> all = new ArrayList<>();
        for (FileMessage f : files) {
            List<String> outputs = outputsOf(f);
            assertThat(outputs).as(f.key()).hasSize(1);
            assertThat(outputs.getFirst()).matches("refined/year=\\d{4}/month=\\d{2}/day=\\d{2}/[0-9a-f]{32}-[A-Za-z0-9._-]+\\.parquet");
            assertThat(exists(f.key())).isFalse();
            all.addAll(outputs);
        }
        Path root = download(all);
        List<List<Object>> expected = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            expected.add(List.of(Integer.toString(i), names.get(i)));
        }
        assertThat(query("SELECT id, name FROM read_parquet(" + sqlPath(root.resolve("refined/**/*.parquet"))
                + ", hive_partitioning = true) ORDER BY id")).containsExactlyElementsOf(expected);
    }

    @Test
    void aValueThatDoesNotConvert_sendsItsFileToFailedWithRowColumnAndValue_theOthersLoad() throws Exception {
        FileMessage bad = drop("incoming/bad/amounts.csv", "id,name,qty,price,big,ratio,ok,on_day,at_time\n1,a,1,1.00,,,,,\n2,b,2,1.005,,,,,\n");
        FileMessage fields = drop("incoming/bad/short.csv", "id,name,qty,price,big,ratio,ok,on_day,at_time\n1,a\n");
        FileMessage json = drop("incoming/bad/types.csv", "id,name,qty,price,big,ratio,ok,on_day,at_time\n1,a,,,,,maybe,,\n");
        FileMessage good = drop("incoming/bad/fine.csv", "id,name,qty,price,big,ratio,ok,on_day,at_time\n5,e,,,,,,,\n");

        BatchOutcome out = process(Map.of(), StepHook.NONE, bad, fields, json, good);

        assertThat(out.failedMessageIds()).isEmpty();
        assertThat(out.failed()).isEqualTo(3);
        assertThat(reason(bad)).isEqualTo("row 2 (line 3), column price (decimal(10,2)): '1.005' is not a decimal(10,2)"
                + " (Rounding necessary)");
        assertThat(reason(fields)).isEqualTo("row 1 (line 2) has 2 fields, REFINED_COLUMNS names 9");
        assertThat(reason(json)).isEqualTo("row 1 (line 2), column ok (boolean): 'maybe' is not a boolean (not a boolean)");
        for (FileMessage f : List.of(bad, fields, json)) {
            assertThat(exists("failed/" + LAYOUT.relative(f.key()))).isTrue();
            assertThat(outputsOf(f)).isEmpty();
        }
        assertThat(outputsOf(good)).hasSize(1);
        assertThat(exists("processed/bad/fine.csv")).isTrue();
    }

    private String reason(FileMessage f) {
        return ErrorReport.fromJson(s3.getObjectAsBytes(b -> b.bucket(bucket).key(LAYOUT.errorReportKey(f.key()))).asUtf8String())
                .reason();
    }

    @Test
    void badSettings_refuseToStart_namingTheVariable() {
        Map<String, String> base = Map.of("BUCKET", bucket, "DESTINATION", "parquet");
        assertThatThrownBy(() -> LoaderConfig.fromEnv(base)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("REFINED_COLUMNS is required for DESTINATION parquet");
        for (String bad : List.of("id", "id:integer64", "1id:int", "id:int,ID:long", "a:decimal(40,2)", "a:decimal(5,6)", "a b:int", "Day:date")) {
            Map<String, String> env = new HashMap<>(base);
            env.put("REFINED_COLUMNS", bad);
            assertThatThrownBy(() -> LoaderConfig.fromEnv(env)).as(bad).isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith("REFINED_COLUMNS is not valid: ");
        }
        Map<String, String> env = new HashMap<>(base);
        env.put("REFINED_COLUMNS", "a:int");
        env.put("REFINED_COMPRESSION", "lzo");
        assertThatThrownBy(() -> LoaderConfig.fromEnv(env)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("REFINED_COMPRESSION must be one of snappy, zstd, none");
        env.put("REFINED_COMPRESSION", "snappy");
        env.put("DESTINATION_PREFIX", "incoming/refined/");
        assertThatThrownBy(() -> LoaderConfig.fromEnv(env)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("DESTINATION_PREFIX 'incoming/refined/' overlaps INCOMING_PREFIX");
        env.remove("DESTINATION_PREFIX");
        assertThat(LoaderConfig.fromEnv(env).destinationPrefix()).isEqualTo("refined/");
        assertThat(LoaderConfig.fromEnv(env).refined().columns()).extracting(c -> c.name() + ":" + c.typeName())
                .containsExactly("a:int");
    }
}
