package dev.s3loader.loader.destination.redshift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.s3loader.embedded.SharedServers;
import dev.s3loader.embedded.redshift.EmbeddedRedshiftData;
import dev.s3loader.embedded.redshift.EmbeddedRedshiftData;
import dev.s3loader.loader.destination.LedgerReadException;
import dev.s3loader.loader.destination.LedgerRow;
import dev.s3loader.model.KeyOrder;
import dev.s3loader.model.RedshiftTarget;
import dev.s3loader.model.TableName;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.redshiftdata.RedshiftDataClient;
import software.amazon.awssdk.services.redshiftdata.model.StatusString;

/**
 * {@link RedshiftLedger} through the real SDK client against the local Data API, on a ledger of the
 * loader's layout created through the Data API (so its VARCHARs compare as Redshift's do: trailing
 * blanks ignored). Keys that Redshift's own ORDER BY cannot put in S3's order come back in UTF-8
 * byte order, byte for byte, however the result is cut into statements and pages.
 */
class RedshiftLedgerTest {
    private static final String DATABASE = "audit_redshift_ledger";
    /** The ledger's DDL as RedshiftSql.createLedger writes it (the audit reads that layout). */
    private static final String LEDGER_DDL = "(\"key_sha256\" CHAR(64) NOT NULL, \"key\" VARCHAR(1024) NOT NULL, "
            + "\"etag\" VARCHAR(128) NOT NULL, \"size\" BIGINT NOT NULL, \"batch_id\" VARCHAR(256) NOT NULL, \"row_count\" BIGINT, "
            + "\"loaded_at\" TIMESTAMP NOT NULL DEFAULT GETDATE(), PRIMARY KEY (\"key_sha256\", \"etag\"))";
    /** Twins up to a trailing blank, control characters below the blank, U+FFFD beside a 4-byte character. */
    private static final List<String> KEYS = List.of("incoming/a.csv", "incoming/a.csv ", "incoming/a.csv  ",
            "incoming/a.csv\u0001", "incoming/a.csv\u001f", "incoming/a.csv\t", "incoming/a.csv\r\n",
            "incoming/\uFFFD.csv", "incoming/\uD83D\uDE00.csv", "incoming/\uD83D\uDE00.csv ", "incoming/Z.csv",
            "incoming/z.csv", "incoming/ünï.csv", "incoming/\u007f.csv");

    private static EmbeddedRedshiftData api;
    private static RedshiftDataClient client;

    @BeforeAll
    static void start() {
        SharedServers.postgres().createDatabase(DATABASE);
        api = EmbeddedRedshiftData.start(SharedServers.postgres(), SharedServers.s3().newClient());
        client = api.newClient();
    }

    @AfterAll
    static void stop() {
        client.close();
        api.close();
    }

    /** A ledger table of the loader's layout holding one row per key (and the extra rows given). */
    private static TableName ledger(List<String> keys, String... duplicated) throws Exception {
        String name = "ledger_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        String id = client.executeStatement(b -> b.workgroupName("wg").database(DATABASE)
                .sql("CREATE TABLE " + name + " " + LEDGER_DDL)).id();
        awaitFinished(id);
        try (Connection c = SharedServers.postgres().dataSource(DATABASE).getConnection();
             PreparedStatement st = c.prepareStatement("INSERT INTO " + name
                     + " (key_sha256, key, etag, size, batch_id) VALUES (?, ?, ?, 1, 'test')")) {
            List<String> all = new ArrayList<>(keys);
            all.addAll(List.of(duplicated));
            for (String k : all) {
                st.setString(1, sha256(k));
                st.setString(2, k);
                st.setString(3, "\"etag-" + sha256(k).substring(0, 8) + "\"");
                st.addBatch();
            }
            st.executeBatch();
        }
        return new TableName(Optional.empty(), name);
    }

    private static RedshiftLedger reader(TableName ledger, int keysPerStatement) {
        return new RedshiftLedger(api.newClient(), new RedshiftTarget(Optional.empty(), Optional.of("wg"), Optional.of(DATABASE),
                Optional.empty(), Optional.empty(), Optional.empty()), ledger, keysPerStatement, Duration.ofMinutes(2));
    }

    private static List<String> keys(RedshiftLedger reader) {
        List<String> out = new ArrayList<>();
        reader.rowsInKeyOrder().forEachRemaining(r -> out.add(r.key()));
        return out;
    }

    private static List<String> byteOrder(List<String> keys) {
        return keys.stream().sorted(KeyOrder::compare).toList();
    }

    @Test
    void rowsInKeyOrder_keysRedshiftCannotOrder_comeBackInUtf8ByteOrderByteForByte() throws Exception {
        // Arrange
        TableName ledger = ledger(KEYS);

        // Act
        List<String> read;
        try (RedshiftLedger r = reader(ledger, RedshiftLedger.DEFAULT_KEYS_PER_STATEMENT)) {
            read = keys(r);
        }

        // Assert
        assertThat(read).containsExactlyElementsOf(byteOrder(KEYS));
        // What ORDER BY "key" gives on the same table is not that order: why the reader orders by the bytes' hex.
        assertThat(orderedByKeyColumn(ledger)).isNotEqualTo(byteOrder(KEYS));
    }

    @Test
    void rowsInKeyOrder_dataApiThrottles_submitsAndPollsAgain_everyRowRead() throws Exception {
        // Arrange: ThrottlingException (400, the Data API's common errors), more often in a row than the SDK retries.
        TableName ledger = ledger(KEYS);
        api.throttle("ExecuteStatement", 4);
        api.throttle("DescribeStatement", 8);
        List<String> read;

        // Act
        try (RedshiftLedger r = reader(ledger, 1000)) {
            read = keys(r);
        } finally {
            api.throttle("ExecuteStatement", 0);
            api.throttle("DescribeStatement", 0);
        }

        // Assert
        assertThat(read).containsExactlyElementsOf(byteOrder(KEYS));
    }

    @Test
    void rowsInKeyOrder_smallStatementsAndPages_everyRowOnceDuplicatesKeptTogether() throws Exception {
        // Arrange: two rows per page, three keys per statement: statements end inside a page and pages inside a key.
        TableName ledger = ledger(KEYS, "incoming/a.csv ", "incoming/a.csv ", "incoming/\uD83D\uDE00.csv");
        api.resultPageRows(2);
        int statementsBefore = api.statements().size();
        List<LedgerRow> rows = new ArrayList<>();
        try (RedshiftLedger r = reader(ledger, 3)) {
            // Act
            r.rowsInKeyOrder().forEachRemaining(rows::add);
        } finally {
            api.resultPageRows(EmbeddedRedshiftData.DEFAULT_PAGE_ROWS);
        }

        // Assert
        List<String> expected = new ArrayList<>(KEYS);
        expected.addAll(List.of("incoming/a.csv ", "incoming/a.csv ", "incoming/\uD83D\uDE00.csv"));
        assertThat(rows.stream().map(LedgerRow::key).toList()).containsExactlyElementsOf(byteOrder(expected));
        assertThat(rows.stream().filter(x -> x.key().equals("incoming/a.csv ")).map(LedgerRow::etag).distinct()).hasSize(1);
        // 14 keys at 3 a statement: 5 statements (the last short of its limit ends the pass).
        assertThat(api.statements().size() - statementsBefore).isEqualTo(5);
    }

    @Test
    void rowsInKeyOrder_resultAboveTheDataApisSizeLimit_readInStatementsThatStayUnderIt() throws Exception {
        // Arrange: the whole ledger in one statement exceeds the limit; 4 keys a statement do not.
        TableName ledger = ledger(KEYS);
        api.resultSizeLimit(600);
        try {
            // Act
            List<String> read;
            try (RedshiftLedger r = reader(ledger, 4)) {
                read = keys(r);
            }
            Iterator<LedgerRow> whole = reader(ledger, 1000).rowsInKeyOrder();

            // Assert
            assertThat(read).containsExactlyElementsOf(byteOrder(KEYS));
            assertThatThrownBy(whole::hasNext).isInstanceOf(LedgerReadException.class)
                    .hasMessageContaining("size limit").hasMessageContaining("--ledger-keys-per-statement");
        } finally {
            api.resultSizeLimit(EmbeddedRedshiftData.DEFAULT_RESULT_SIZE_LIMIT);
        }
    }

    @Test
    void rowsInKeyOrder_emptyLedger_noRows_missingTable_anLedgerReadException() throws Exception {
        TableName empty = ledger(List.of());

        try (RedshiftLedger r = reader(empty, 2)) {
            assertThat(r.rowsInKeyOrder().hasNext()).isFalse();
        }
        try (RedshiftLedger r = reader(new TableName(Optional.empty(), "no_such_ledger"), 2)) {
            assertThatThrownBy(() -> r.rowsInKeyOrder().hasNext()).isInstanceOf(LedgerReadException.class)
                    .hasMessageContaining("no_such_ledger");
        }
    }

    private static List<String> orderedByKeyColumn(TableName ledger) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = SharedServers.postgres().dataSource(DATABASE).getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT key FROM " + ledger.quoted() + " ORDER BY key, key_sha256")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    private static void awaitFinished(String id) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (true) {
            var d = client.describeStatement(b -> b.id(id));
            if (d.status() == StatusString.FINISHED) {
                return;
            }
            if (d.status() == StatusString.FAILED || d.status() == StatusString.ABORTED || System.nanoTime() > deadline) {
                throw new AssertionError("statement " + id + ": " + d.status() + " " + d.error());
            }
            Thread.sleep(20);
        }
    }

    private static String sha256(String key) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
    }
}
