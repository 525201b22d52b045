package dev.s3loader.embedded.redshift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.s3loader.embedded.EmbeddedPostgres;
import dev.s3loader.embedded.SharedServers;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.redshiftdata.RedshiftDataClient;
import software.amazon.awssdk.services.redshiftdata.model.DescribeStatementResponse;
import software.amazon.awssdk.services.redshiftdata.model.Field;
import software.amazon.awssdk.services.redshiftdata.model.GetStatementResultResponse;
import software.amazon.awssdk.services.redshiftdata.model.SqlParameter;
import software.amazon.awssdk.services.redshiftdata.model.StatusString;
import software.amazon.awssdk.services.redshiftdata.model.ValidationException;
import software.amazon.awssdk.services.s3.S3Client;

/** The local Data API through the real SDK client: protocol, COPY translation and what Redshift would refuse. */
class EmbeddedRedshiftDataTest {
    private static final String DB = "local_redshift_test";
    private static final String BUCKET = "local-redshift-test";
    private static final String ROLE = "arn:aws:iam::123456789012:role/copy";

    private static EmbeddedPostgres pg;
    private static S3Client s3;
    private static EmbeddedRedshiftData api;
    private static RedshiftDataClient client;

    @BeforeAll
    static void start() throws Exception {
        pg = SharedServers.postgres();
        pg.createDatabase(DB);
        SharedServers.s3().createBucket(BUCKET);
        s3 = SharedServers.s3().newClient();
        api = EmbeddedRedshiftData.start(pg, s3);
        client = api.newClient();
        sql("DROP TABLE IF EXISTS events; CREATE TABLE events (id int NOT NULL, name varchar(10), amount int)");
    }

    @AfterAll
    static void stop() {
        client.close();
        api.close();
        s3.close();
    }

    @Test
    void executeStatement_namedParameters_typedRowsBack() {
        // Act
        String id = client.executeStatement(b -> b.clusterIdentifier("c").database(DB).dbUser("u")
                .sql("SELECT CAST(:n AS int) + 1 AS n, :s AS s, CAST(NULL AS text) AS z")
                .parameters(SqlParameter.builder().name("n").value("41").build(),
                        SqlParameter.builder().name("s").value("it's").build())).id();
        DescribeStatementResponse d = await(id);
        List<List<Field>> rows = client.getStatementResult(b -> b.id(id)).records();

        // Assert
        assertThat(d.status()).isEqualTo(StatusString.FINISHED);
        assertThat(d.hasResultSet()).isTrue();
        assertThat(rows).hasSize(1);
        assertThat(rows.getFirst().get(0).longValue()).isEqualTo(42L);
        assertThat(rows.getFirst().get(1).stringValue()).isEqualTo("it's");
        assertThat(rows.getFirst().get(2).isNull()).isTrue();
    }

    @Test
    void batch_copyManifestCsvAndGzip_loadsInOneTransactionWithTempTable() throws Exception {
        // Arrange
        put("in/a b.csv", "1,x,10\n2,\"y, z\",20\n".getBytes(StandardCharsets.UTF_8));
        put("in/c.csv.gz", gzip("3,w,30\n"));
        put("m/1.manifest", manifest("in/a b.csv").getBytes(StandardCharsets.UTF_8));
        put("m/2.manifest", manifest("in/c.csv.gz").getBytes(StandardCharsets.UTF_8));

        // Act
        String id = batch("CREATE TEMP TABLE t1 (id int, name text, amount int)",
                "COPY t1 FROM 's3://" + BUCKET + "/in/c.csv.gz' IAM_ROLE '" + ROLE + "' CSV GZIP",
                "DELETE FROM events WHERE id IN (1, 2, 3)",
                "COPY events (id, name, amount) FROM 's3://" + BUCKET + "/m/1.manifest' IAM_ROLE '" + ROLE
                        + "' MANIFEST CSV QUOTE AS '\"' DELIMITER AS ',' NULL AS '' COMPUPDATE OFF STATUPDATE OFF",
                "COPY events FROM 's3://" + BUCKET + "/m/2.manifest' IAM_ROLE '" + ROLE + "' MANIFEST CSV GZIP",
                "SELECT COUNT(*) FROM t1");
        DescribeStatementResponse d = await(id);

        // Assert
        assertThat(d.status()).as(d.error()).isEqualTo(StatusString.FINISHED);
        assertThat(d.subStatements()).hasSize(6);
        assertThat(d.subStatements().get(3).resultRows()).isEqualTo(2L);
        assertThat(client.getStatementResult(b -> b.id(id + ":6")).records().getFirst().getFirst().longValue()).isEqualTo(1L);
        assertThat(query("SELECT string_agg(id || ':' || name, '|' ORDER BY id) FROM events WHERE id IN (1,2,3)"))
                .isEqualTo("1:x|2:y, z|3:w");
    }

    @Test
    void batch_copyWithoutIamRole_failsAndRollsBackEarlierStatements() {
        // Arrange
        put("in/r.csv", "7,r,1\n".getBytes(StandardCharsets.UTF_8));

        // Act
        String id = batch("INSERT INTO events VALUES (70, 'before', 0)",
                "COPY events FROM 's3://" + BUCKET + "/in/r.csv' CSV");
        DescribeStatementResponse d = await(id);

        // Assert
        assertThat(d.status()).isEqualTo(StatusString.FAILED);
        assertThat(d.error()).contains("credentials");
        assertThat(d.subStatements().get(1).statusAsString()).isEqualTo("FAILED");
        assertThat(query("SELECT count(*) FROM events WHERE id = 70")).isEqualTo("0");
    }

    @Test
    void batch_manifestWithEncodedKey_isAMissingMandatoryFile() {
        // Arrange: the object is "in/sp ace.csv"; a URL-encoded manifest entry names another key.
        put("in/sp ace.csv", "8,s,1\n".getBytes(StandardCharsets.UTF_8));
        put("m/enc.manifest", manifest("in/sp%20ace.csv").getBytes(StandardCharsets.UTF_8));
        put("m/bad.manifest", "{\"entries\": [".getBytes(StandardCharsets.UTF_8));

        // Act
        DescribeStatementResponse encoded = await(batch(copyManifest("m/enc.manifest")));
        DescribeStatementResponse malformed = await(batch(copyManifest("m/bad.manifest")));

        // Assert
        assertThat(encoded.status()).isEqualTo(StatusString.FAILED);
        assertThat(encoded.error()).contains("sp%20ace.csv").contains("does not exist");
        assertThat(malformed.status()).isEqualTo(StatusString.FAILED);
        assertThat(malformed.error()).contains("not in correct json format");
    }

    @Test
    void batch_badRow_failsWithLoadErrorDetailByQueryId() {
        // Arrange
        put("in/bad.csv", "9,ok,1\n10,bad,notanumber\n".getBytes(StandardCharsets.UTF_8));
        put("m/badrow.manifest", manifest("in/bad.csv").getBytes(StandardCharsets.UTF_8));

        // Act
        DescribeStatementResponse d = await(batch(copyManifest("m/badrow.manifest")));
        long queryId = d.subStatements().getFirst().redshiftQueryId();
        String detailId = client.executeStatement(b -> b.clusterIdentifier("c").database(DB).dbUser("u")
                .sql("SELECT TRIM(file_name), line_number, TRIM(column_name), error_code FROM sys_load_error_detail "
                        + "WHERE query_id = :q").parameters(SqlParameter.builder().name("q").value(Long.toString(queryId)).build())).id();
        await(detailId);
        List<Field> row = client.getStatementResult(b -> b.id(detailId)).records().getFirst();

        // Assert
        assertThat(d.status()).isEqualTo(StatusString.FAILED);
        assertThat(d.error()).contains("Load into table 'events' failed");
        assertThat(row.get(0).stringValue()).isEqualTo("s3://" + BUCKET + "/in/bad.csv");
        assertThat(row.get(1).longValue()).isEqualTo(2L);
        assertThat(row.get(2).stringValue()).isEqualTo("amount");
        assertThat(row.get(3).longValue()).isEqualTo(1207L);
        assertThat(query("SELECT count(*) FROM events WHERE id = 9")).isEqualTo("0");
    }

    @Test
    void batch_jsonAuto_matchesKeysToColumns() {
        // Arrange
        put("in/j.json", "{\"id\": 11, \"name\": \"j\"}\n{\"id\": 12, \"amount\": 5, \"extra\": true}\n"
                .getBytes(StandardCharsets.UTF_8));
        put("m/j.manifest", manifest("in/j.json").getBytes(StandardCharsets.UTF_8));

        // Act
        DescribeStatementResponse d = await(batch("COPY events FROM 's3://" + BUCKET + "/m/j.manifest' IAM_ROLE '"
                + ROLE + "' MANIFEST FORMAT AS JSON 'auto'"));

        // Assert
        assertThat(d.status()).as(d.error()).isEqualTo(StatusString.FINISHED);
        assertThat(query("SELECT string_agg(id || ':' || coalesce(name, '-') || ':' || coalesce(amount, -1), '|' ORDER BY id) "
                + "FROM events WHERE id IN (11, 12)")).isEqualTo("11:j:-1|12:-:5");
    }

    @Test
    void requests_wrongTarget_areValidationErrors() {
        assertThatThrownBy(() -> client.batchExecuteStatement(b -> b.database(DB).dbUser("u").sqls("SELECT 1")))
                .isInstanceOf(ValidationException.class).hasMessageContaining("ClusterIdentifier or WorkgroupName");
        assertThatThrownBy(() -> client.executeStatement(b -> b.database(DB).clusterIdentifier("c").dbUser("u")
                .secretArn("arn:aws:secretsmanager:us-east-1:123456789012:secret:x").sql("SELECT 1")))
                .isInstanceOf(ValidationException.class).hasMessageContaining("SecretArn and DbUser");
    }

    @Test
    void cancel_heldBatch_isAbortedAndNothingCommits() {
        // Arrange
        api.holdCommits();
        try {
            String id = batch("INSERT INTO events VALUES (80, 'held', 0)");

            // Act
            client.cancelStatement(b -> b.id(id));
            DescribeStatementResponse d = await(id);

            // Assert
            assertThat(d.status()).isEqualTo(StatusString.ABORTED);
            assertThat(query("SELECT count(*) FROM events WHERE id = 80")).isEqualTo("0");
        } finally {
            api.releaseCommits();
        }
    }

    @Test
    void copy_quoteOnlyRightAfterCsv_elsewhereASyntaxError() {
        // Arrange: Redshift documents CSV [QUOTE [AS] 'c'] and no QUOTE of its own.
        put("in/q.csv", "21,%q, r%,1\n".getBytes(StandardCharsets.UTF_8));
        put("m/q.manifest", manifest("in/q.csv").getBytes(StandardCharsets.UTF_8));
        String copy = "COPY events FROM 's3://" + BUCKET + "/m/q.manifest' IAM_ROLE '" + ROLE + "' MANIFEST ";

        // Act
        DescribeStatementResponse afterDelimiter = await(batch(copy + "CSV DELIMITER AS ',' QUOTE AS '%'"));
        DescribeStatementResponse beforeCsv = await(batch(copy + "QUOTE AS '%' CSV"));
        DescribeStatementResponse asDocumented = await(batch(copy + "CSV QUOTE AS '%' DELIMITER AS ','"));

        // Assert
        assertThat(afterDelimiter.status()).isEqualTo(StatusString.FAILED);
        assertThat(afterDelimiter.error()).contains("syntax error").contains("QUOTE");
        assertThat(beforeCsv.status()).isEqualTo(StatusString.FAILED);
        assertThat(beforeCsv.error()).contains("syntax error").contains("QUOTE");
        assertThat(asDocumented.status()).as(asDocumented.error()).isEqualTo(StatusString.FINISHED);
        assertThat(query("SELECT name FROM events WHERE id = 21")).isEqualTo("q, r");
    }

    @Test
    void varchar_lengthInBytes_trailingBlanksIgnoredInComparisons_primaryKeyNotEnforced() {
        // Arrange: DDL through the Data API is Redshift DDL.
        await(batch("DROP TABLE IF EXISTS ddl_t",
                "CREATE TABLE ddl_t (k VARCHAR(5) NOT NULL, n INT, PRIMARY KEY (k))"));

        // Act
        DescribeStatementResponse fits = await(batch("INSERT INTO ddl_t VALUES ('ab ', 1)", "INSERT INTO ddl_t VALUES ('üü', 2)"));
        DescribeStatementResponse tooLong = await(batch("INSERT INTO ddl_t VALUES ('üüü', 3)"));
        DescribeStatementResponse duplicateKey = await(batch("INSERT INTO ddl_t VALUES ('üü', 4)"));
        String matched = queryThroughApi("SELECT COUNT(*) FROM ddl_t WHERE k = 'ab'");

        // Assert
        assertThat(fits.status()).as(fits.error()).isEqualTo(StatusString.FINISHED);
        assertThat(tooLong.status()).isEqualTo(StatusString.FAILED);
        assertThat(tooLong.error()).contains("value too long for type character varying(5)");
        assertThat(duplicateKey.status()).as(duplicateKey.error()).isEqualTo(StatusString.FINISHED);
        assertThat(query("SELECT count(*) FROM ddl_t WHERE n IN (2, 4)")).isEqualTo("2");
        assertThat(matched).isEqualTo("1");
        assertThat(query("SELECT k FROM ddl_t WHERE n = 1")).isEqualTo("ab ");
    }

    @Test
    void getStatementResult_moreRowsThanAPage_handsOutNextTokenUntilTheLastPage() {
        // Arrange
        api.resultPageRows(4);
        try {
            String id = client.executeStatement(b -> b.workgroupName("wg").database(DB)
                    .sql("SELECT n, 'row ' || n AS s FROM generate_series(1, 10) AS n ORDER BY n")).id();
            await(id);
            String other = client.executeStatement(b -> b.workgroupName("wg").database(DB)
                    .sql("SELECT n FROM generate_series(1, 10) AS n")).id();
            await(other);

            // Act
            List<Integer> pageSizes = new java.util.ArrayList<>();
            List<Long> values = new java.util.ArrayList<>();
            String token = null;
            GetStatementResultResponse first = null;
            do {
                String t = token;
                GetStatementResultResponse page = client.getStatementResult(b -> b.id(id).nextToken(t));
                first = first == null ? page : first;
                pageSizes.add(page.records().size());
                page.records().forEach(r -> values.add(r.getFirst().longValue()));
                token = page.nextToken();
            } while (token != null);
            String firstToken = first.nextToken();

            // Assert
            assertThat(pageSizes).containsExactly(4, 4, 2);
            assertThat(values).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
            assertThat(first.totalNumRows()).isEqualTo(10L);
            assertThatThrownBy(() -> client.getStatementResult(b -> b.id(other).nextToken(firstToken)))
                    .isInstanceOf(ValidationException.class).hasMessageContaining("NextToken");
            assertThatThrownBy(() -> client.getStatementResult(b -> b.id(id).nextToken("garbage")))
                    .isInstanceOf(ValidationException.class).hasMessageContaining("NextToken");
        } finally {
            api.resultPageRows(EmbeddedRedshiftData.DEFAULT_PAGE_ROWS);
        }
    }

    @Test
    void statement_resultAboveTheSizeLimit_failsAsRedshiftsDataApiDoes() {
        // Arrange: Redshift's Data API fails a statement whose result set exceeds 100 MB.
        api.resultSizeLimit(2_000);
        try {
            // Act
            DescribeStatementResponse big = await(client.executeStatement(b -> b.workgroupName("wg").database(DB)
                    .sql("SELECT repeat('x', 100) FROM generate_series(1, 30)")).id());
            DescribeStatementResponse small = await(client.executeStatement(b -> b.workgroupName("wg").database(DB)
                    .sql("SELECT repeat('x', 100) FROM generate_series(1, 10)")).id());

            // Assert
            assertThat(big.status()).isEqualTo(StatusString.FAILED);
            assertThat(big.error()).contains("exceeded", "size limit");
            assertThat(small.status()).as(small.error()).isEqualTo(StatusString.FINISHED);
        } finally {
            api.resultSizeLimit(EmbeddedRedshiftData.DEFAULT_RESULT_SIZE_LIMIT);
        }
    }

    @Test
    void toVarbyteFromVarbyte_hexOfTheStoredUtf8Bytes_trailingBlanksAndAllIncluded() {
        // Arrange: a VARCHAR compares without its trailing blanks, its bytes keep them.
        await(batch("DROP TABLE IF EXISTS vb_t", "CREATE TABLE vb_t (k VARCHAR(20) NOT NULL)"));
        await(batch("INSERT INTO vb_t VALUES ('a ')", "INSERT INTO vb_t VALUES ('a')",
                "INSERT INTO vb_t VALUES ('a' || CHR(1))", "INSERT INTO vb_t VALUES ('\uD83D\uDE00')",
                "INSERT INTO vb_t VALUES ('\uFFFD')"));

        // Act
        String id = client.executeStatement(b -> b.workgroupName("wg").database(DB)
                .sql("SELECT FROM_VARBYTE(TO_VARBYTE(k, 'utf8'), 'hex') AS h FROM vb_t ORDER BY h")).id();
        DescribeStatementResponse d = await(id);
        List<String> hex = client.getStatementResult(b -> b.id(id)).records().stream().map(r -> r.getFirst().stringValue()).toList();

        // Assert
        assertThat(d.status()).as(d.error()).isEqualTo(StatusString.FINISHED);
        assertThat(hex).containsExactly("61", "6101", "6120", "efbfbd", "f09f9880");
        assertThat(queryThroughApi("SELECT COUNT(*) FROM vb_t WHERE k = 'a'")).isEqualTo("2");
    }

    @Test
    void copy_valueLongerInBytesThanItsVarchar_isALoadErrorNamingTheColumn() {
        // Arrange
        await(batch("DROP TABLE IF EXISTS ddl_copy", "CREATE TABLE ddl_copy (id INT, name VARCHAR(4))"));
        put("in/bytes.csv", "1,abcd\n2,ééé\n".getBytes(StandardCharsets.UTF_8));
        put("m/bytes.manifest", manifest("in/bytes.csv").getBytes(StandardCharsets.UTF_8));

        // Act
        DescribeStatementResponse d = await(batch("COPY ddl_copy FROM 's3://" + BUCKET + "/m/bytes.manifest' IAM_ROLE '"
                + ROLE + "' MANIFEST CSV"));
        long queryId = d.subStatements().getFirst().redshiftQueryId();

        // Assert
        assertThat(d.status()).isEqualTo(StatusString.FAILED);
        assertThat(d.error()).contains("Load into table 'ddl_copy' failed");
        assertThat(query("SELECT line_number || ':' || column_name || ':' || error_code FROM sys_load_error_detail "
                + "WHERE query_id = " + queryId)).isEqualTo("2:name:1204");
    }

    @Test
    void concurrentTransactions_thatCannotBeSerialized_oneFailsWith1023() {
        // Arrange: Redshift's documented example: each reads the table the other writes.
        await(batch("DROP TABLE IF EXISTS iso_1", "DROP TABLE IF EXISTS iso_2",
                "CREATE TABLE iso_1 (n INT)", "CREATE TABLE iso_2 (n INT)"));
        api.holdCommits();
        String first;
        String second;
        try {
            first = batch("SELECT COUNT(*) FROM iso_1", "INSERT INTO iso_2 VALUES (1)");
            second = batch("INSERT INTO iso_1 VALUES (1)", "SELECT COUNT(*) FROM iso_2");
            awaitTrue(() -> api.heldCommits() == 2);
        } finally {
            // Act
            api.releaseCommits();
        }
        List<DescribeStatementResponse> both = List.of(await(first), await(second));

        // Assert
        assertThat(both).filteredOn(d -> d.status() == StatusString.FINISHED).hasSize(1);
        assertThat(both).filteredOn(d -> d.status() == StatusString.FAILED).singleElement()
                .satisfies(d -> assertThat(d.error()).contains("1023").contains("Serializable isolation violation"));
    }

    @Test
    void loadErrorRows_misfiledOrWithheld_asRedshiftMayDo() {
        // Arrange
        put("in/bad2.csv", "31,ok,1\n32,bad,x\n".getBytes(StandardCharsets.UTF_8));
        put("m/bad2.manifest", manifest("in/bad2.csv").getBytes(StandardCharsets.UTF_8));
        String url = "s3://" + BUCKET + "/in/bad2.csv";
        await(batch("SELECT 1")); // the view exists once the emulator has run a statement
        long before = Long.parseLong(query("SELECT count(*) FROM sys_load_error_detail WHERE file_name = '" + url + "'"));

        // Act
        DescribeStatementResponse misfiled;
        DescribeStatementResponse withheld;
        try {
            api.loadErrorRows(EmbeddedRedshiftData.LoadErrorRows.OTHER_QUERY_ID);
            misfiled = await(batch(copyManifest("m/bad2.manifest")));
            api.loadErrorRows(EmbeddedRedshiftData.LoadErrorRows.WITHHELD);
            withheld = await(batch(copyManifest("m/bad2.manifest")));
        } finally {
            api.loadErrorRows(EmbeddedRedshiftData.LoadErrorRows.BY_QUERY_ID);
        }

        // Assert
        assertThat(misfiled.status()).isEqualTo(StatusString.FAILED);
        assertThat(withheld.status()).isEqualTo(StatusString.FAILED);
        assertThat(query("SELECT count(*) FROM sys_load_error_detail WHERE query_id = "
                + misfiled.subStatements().getFirst().redshiftQueryId())).isEqualTo("0");
        assertThat(query("SELECT count(*) FROM sys_load_error_detail WHERE file_name = '" + url + "'"))
                .isEqualTo(Long.toString(before + 1));
    }

    @Test
    void batch_truncate_commitsTheTransactionItRunsIn_asRedshiftDocuments() throws Exception {
        // r_TRUNCATE: "TRUNCATE commits the transaction in which it is run"; a later failure cannot roll it back.
        sql("DROP TABLE IF EXISTS trunc_target; CREATE TABLE trunc_target (id int); INSERT INTO trunc_target VALUES (1), (2)");

        // Act
        DescribeStatementResponse d = await(batch("INSERT INTO events VALUES (80, 'before', 0)", "TRUNCATE trunc_target",
                "INSERT INTO events VALUES (81, 'after', 0)", "SELECT CAST('x' AS int)"));

        // Assert
        assertThat(d.status()).isEqualTo(StatusString.FAILED);
        assertThat(query("SELECT count(*) FROM events WHERE id = 80")).isEqualTo("1");
        assertThat(query("SELECT count(*) FROM trunc_target")).isEqualTo("0");
        assertThat(query("SELECT count(*) FROM events WHERE id = 81")).isEqualTo("0");
    }

    @Test
    void sha2_hexOfTheUtf8Bytes_inTheCaseTheDocsLeaveOpen() {
        // SHA2.html: "a text representation of the hexadecimal value", case unstated; invalid bits give ''.
        String hex = queryThroughApi("SELECT SHA2('a', 256)");

        assertThat(hex).isEqualTo("CA978112CA1BBDCAFAC231B39A23DC4DA786EFF8147C4E72B9807785AFEE48BB");
        assertThat(queryThroughApi("SELECT LOWER(SHA2('a', 0))")).isEqualTo(hex.toLowerCase(java.util.Locale.ROOT));
        assertThat(queryThroughApi("SELECT '[' || SHA2('a', 100) || ']'")).isEqualTo("[]");
    }

    @Test
    void identifiers_quotedOrNot_foldToLowerCase_asRedshiftDocuments() throws Exception {
        // r_names: "ASCII letters in standard and delimited identifiers are case-insensitive and are folded to lowercase".
        sql("DROP TABLE IF EXISTS folded_t");
        put("in/fold.csv", "1\n2\n".getBytes(StandardCharsets.UTF_8));

        // Act
        DescribeStatementResponse d = await(batch("CREATE TABLE \"Folded_T\" (\"Id\" int)",
                "COPY \"FOLDED_T\" (\"ID\") FROM 's3://" + BUCKET + "/in/fold.csv' IAM_ROLE '" + ROLE + "' CSV",
                "INSERT INTO folded_t (id) VALUES (3)"));

        // Assert
        assertThat(d.status()).as(d.error()).isEqualTo(StatusString.FINISHED);
        assertThat(query("SELECT string_agg(CAST(id AS text), ',' ORDER BY id) FROM folded_t")).isEqualTo("1,2,3");
        assertThat(queryThroughApi("SELECT COUNT(*) FROM \"Folded_T\" WHERE \"ID\" > 1")).isEqualTo("2");
    }

    @Test
    void loadErrors_provisionedReportsTheStlQueryId_theSysViewsAnotherFoundThroughSysQueryHistory() {
        // SYS_QUERY_HISTORY: "The query_id column in the SYS monitoring views and the query column in STL_QUERY
        // are not the same identifier"; STL_LOAD_ERRORS (r_STL_LOAD_ERRORS) exists on provisioned clusters only.
        put("in/bad3.csv", "41,ok,1\n42,bad,x\n".getBytes(StandardCharsets.UTF_8));
        put("m/bad3.manifest", manifest("in/bad3.csv").getBytes(StandardCharsets.UTF_8));
        String url = "s3://" + BUCKET + "/in/bad3.csv";

        // Act
        String id = client.batchExecuteStatement(b -> b.clusterIdentifier("c").dbUser("u").database(DB)
                .sqls(copyManifest("m/bad3.manifest"))).id();
        DescribeStatementResponse d = await(id);
        long reported = d.subStatements().getFirst().redshiftQueryId();

        // Assert
        assertThat(d.status()).isEqualTo(StatusString.FAILED);
        assertThat(query("SELECT TRIM(filename) || '|' || line_number || '|' || TRIM(colname) || '|' || err_code "
                + "FROM stl_load_errors WHERE query = " + reported)).isEqualTo(url + "|2|amount|1207");
        assertThat(query("SELECT count(*) FROM sys_load_error_detail WHERE query_id = " + reported)).isEqualTo("0");
        assertThat(query("SELECT TRIM(e.file_name) FROM sys_load_error_detail e JOIN sys_query_history h "
                + "ON h.query_id = e.query_id WHERE h.session_id = " + d.redshiftPid() + " AND h.query_type = 'COPY' "
                + "ORDER BY h.start_time DESC LIMIT 1")).isEqualTo(url);
    }

    @Test
    void copy_corruptGzip_failsNamingTheS3Key_noLoadErrorRow() throws Exception {
        // copy-parameters-file-compression: COPY "uncompresses the data as it loads"; a file it cannot inflate fails
        // the statement (code 9001, context "S3 key being read"), which is no load error of a row.
        byte[] whole = gzip("51,a,1\n52,b,2\n".repeat(50));
        put("in/cut.csv.gz", java.util.Arrays.copyOf(whole, whole.length - 12));
        put("m/cut.manifest", manifest("in/cut.csv.gz").getBytes(StandardCharsets.UTF_8));
        String url = "s3://" + BUCKET + "/in/cut.csv.gz";

        // Act
        DescribeStatementResponse d = await(batch("COPY events FROM 's3://" + BUCKET + "/m/cut.manifest' IAM_ROLE '" + ROLE
                + "' MANIFEST CSV GZIP"));

        // Assert
        assertThat(d.status()).isEqualTo(StatusString.FAILED);
        assertThat(d.error()).contains("S3 key being read : " + url).contains("9001").doesNotContain("Load into table");
        assertThat(query("SELECT count(*) FROM sys_load_error_detail WHERE file_name = '" + url + "'")).isEqualTo("0");
        assertThat(query("SELECT count(*) FROM events WHERE id = 51")).isEqualTo("0");
    }

    @Test
    void copy_timestamps_defaultFormatRefusesIso8601_autoReadsIt_epochsecsReadsNumbers() throws Exception {
        // automatic-recognition: 'auto' recognises ISO 8601 (2019-02-11T05:09:12.195Z), which a format string does not,
        // and "doesn't support epochsecs and epochmillisecs".
        sql("DROP TABLE IF EXISTS times; CREATE TABLE times (id int, at timestamp, day date)");
        put("in/iso.csv", "1,2019-02-11T05:09:12.195Z,2019-02-11\n".getBytes(StandardCharsets.UTF_8));
        put("in/epoch.csv", "2,1700000000,2023-11-14\n".getBytes(StandardCharsets.UTF_8));
        String copy = "COPY times FROM 's3://" + BUCKET + "/in/%s' IAM_ROLE '" + ROLE + "' CSV%s";

        // Act
        DescribeStatementResponse byDefault = await(batch(String.format(copy, "iso.csv", "")));
        DescribeStatementResponse auto = await(batch(String.format(copy, "iso.csv", " TIMEFORMAT 'auto' DATEFORMAT 'auto'")));
        DescribeStatementResponse epochAuto = await(batch(String.format(copy, "epoch.csv", " TIMEFORMAT 'auto'")));
        DescribeStatementResponse epoch = await(batch(String.format(copy, "epoch.csv", " TIMEFORMAT 'epochsecs'")));

        // Assert
        assertThat(byDefault.status()).isEqualTo(StatusString.FAILED);
        assertThat(query("SELECT error_code || '|' || TRIM(column_name) FROM sys_load_error_detail WHERE query_id = "
                + byDefault.subStatements().getFirst().redshiftQueryId())).isEqualTo("1206|at");
        assertThat(auto.status()).as(auto.error()).isEqualTo(StatusString.FINISHED);
        assertThat(epochAuto.status()).isEqualTo(StatusString.FAILED);
        assertThat(epoch.status()).as(epoch.error()).isEqualTo(StatusString.FINISHED);
        assertThat(query("SELECT string_agg(id || '|' || to_char(at, 'YYYY-MM-DD HH24:MI:SS.MS'), ',' ORDER BY id) FROM times"))
                .isEqualTo("1|2019-02-11 05:09:12.195,2|2023-11-14 22:13:20.000");
    }

    @Test
    void copy_bucketInAnotherRegion_loadsOnlyWithThatRegion() {
        // copy-parameters-data-source-s3: REGION is required when the bucket is not in the cluster's region.
        put("in/reg.csv", "61,r,1\n".getBytes(StandardCharsets.UTF_8));
        String copy = "COPY events FROM 's3://" + BUCKET + "/in/reg.csv' IAM_ROLE '" + ROLE + "'%s CSV";
        DescribeStatementResponse without;
        DescribeStatementResponse wrong;
        DescribeStatementResponse right;

        // Act
        api.bucketRegion(BUCKET, "eu-west-1");
        try {
            without = await(batch(String.format(copy, "")));
            wrong = await(batch(String.format(copy, " REGION 'us-west-2'")));
            right = await(batch(String.format(copy, " REGION AS 'eu-west-1'")));
        } finally {
            api.bucketRegion(BUCKET, EmbeddedRedshiftData.REGION.id());
        }

        // Assert
        assertThat(without.status()).isEqualTo(StatusString.FAILED);
        assertThat(without.error()).contains("PermanentRedirect");
        assertThat(wrong.status()).isEqualTo(StatusString.FAILED);
        assertThat(right.status()).as(right.error()).isEqualTo(StatusString.FINISHED);
        assertThat(query("SELECT count(*) FROM events WHERE id = 61")).isEqualTo("1");
    }

    @Test
    void copy_sseKmsBucket_needsKmsDecryptForTheCopyRole() {
        // c_loading-encrypted-files: COPY reads SSE-KMS objects with its IAM_ROLE, which needs kms:Decrypt on the key.
        put("in/kms.csv", "71,k,1\n".getBytes(StandardCharsets.UTF_8));
        String key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        String copy = "COPY events FROM 's3://" + BUCKET + "/in/kms.csv' IAM_ROLE '" + ROLE + "' CSV";
        DescribeStatementResponse denied;
        DescribeStatementResponse granted;

        // Act
        try {
            api.kmsEncrypted(BUCKET, key, java.util.Set.of());
            denied = await(batch(copy));
            api.kmsEncrypted(BUCKET, key, java.util.Set.of(ROLE));
            granted = await(batch(copy));
        } finally {
            api.notEncrypted(BUCKET);
        }

        // Assert
        assertThat(denied.status()).isEqualTo(StatusString.FAILED);
        assertThat(denied.error()).contains("kms:Decrypt").contains("AccessDenied").contains(key);
        assertThat(granted.status()).as(granted.error()).isEqualTo(StatusString.FINISHED);
    }

    private static String queryThroughApi(String sql) {
        String id = client.executeStatement(b -> b.clusterIdentifier("c").database(DB).dbUser("u").sql(sql)).id();
        DescribeStatementResponse d = await(id);
        assertThat(d.status()).as(d.error()).isEqualTo(StatusString.FINISHED);
        Field f = client.getStatementResult(b -> b.id(id)).records().getFirst().getFirst();
        return f.longValue() != null ? Long.toString(f.longValue()) : f.stringValue();
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition never held");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    private static String copyManifest(String key) {
        return "COPY events FROM 's3://" + BUCKET + "/" + key + "' IAM_ROLE '" + ROLE + "' MANIFEST CSV";
    }

    private static String manifest(String key) {
        return "{\"entries\":[{\"url\":\"s3://" + BUCKET + "/" + key + "\",\"mandatory\":true}]}";
    }

    private static String batch(String... sqls) {
        return client.batchExecuteStatement(b -> b.workgroupName("wg").database(DB).sqls(sqls)).id();
    }

    private static DescribeStatementResponse await(String id) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            DescribeStatementResponse d = client.describeStatement(b -> b.id(id));
            if (d.status() == StatusString.FINISHED || d.status() == StatusString.FAILED || d.status() == StatusString.ABORTED) {
                return d;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("statement " + id + " still " + d.status());
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    private static void put(String key, byte[] body) {
        s3.putObject(b -> b.bucket(BUCKET).key(key), RequestBody.fromBytes(body));
    }

    private static byte[] gzip(String text) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(out)) {
            g.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    private static void sql(String statements) throws Exception {
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(DB), pg.user(), pg.password());
             Statement s = c.createStatement()) {
            s.execute(statements);
        }
    }

    private static String query(String q) {
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(DB), pg.user(), pg.password());
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery(q)) {
            rs.next();
            return rs.getString(1);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
