package dev.s3loader.loader.destination.redshift;

import dev.s3loader.loader.LoaderException;
import dev.s3loader.loader.TransientLoadException;
import dev.s3loader.loader.destination.LedgerReadException;
import dev.s3loader.loader.destination.LedgerReader;
import dev.s3loader.loader.destination.LedgerRow;
import dev.s3loader.model.RedshiftTarget;
import dev.s3loader.model.TableName;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import software.amazon.awssdk.services.redshiftdata.RedshiftDataClient;
import software.amazon.awssdk.services.redshiftdata.model.DescribeStatementResponse;
import software.amazon.awssdk.services.redshiftdata.model.Field;
import software.amazon.awssdk.services.redshiftdata.model.GetStatementResultResponse;
import software.amazon.awssdk.services.redshiftdata.model.StatusString;

/**
 * Reads the redshift destination's ledger (the layout {@link RedshiftSql} creates: key_sha256, key, etag,
 * …) for the audit through the Data API ({@link DataApi}, the loader's own poller), in UTF-8 byte order
 * of the key, streaming.
 *
 * <p>Order: not {@code ORDER BY "key"}. Redshift ignores trailing blanks when it compares VARCHARs
 * ({@code 'a.csv '} = {@code 'a.csv'}, so their order is arbitrary); compared as if padded with
 * blanks (0x20), {@code 'a.csv'} may sort after {@code 'a.csv'} + U+0001, where S3 lists it
 * before; and a database may be created case-insensitive. The key_sha256 column identifies a key
 * but has no order a join could use, and sorting client side would need the whole ledger, since
 * those misorderings are not bounded in distance. So the statement orders by the hex of the key's
 * stored UTF-8 bytes, {@code FROM_VARBYTE(TO_VARBYTE("key", 'utf8'), 'hex')}: hex digits, two per
 * byte, compare under any collation exactly as the bytes do (a prefix first), and hold no blank to
 * ignore. The key comes back as that hex too and is decoded here, so what is joined is the stored
 * bytes themselves, whatever the Data API's JSON does to control characters.
 *
 * <p>Size: the Data API fails a statement whose result exceeds 100 MB, and pages what it returns
 * with NextToken. So the ledger is read in statements of at most {@code keysPerStatement} keys each
 * (keyset pagination on the hex key: every row of a key comes in the same statement, so duplicate
 * rows stay visible), and each statement's result is read a page at a time. Held at once: one
 * page. A key is at most 1,024 bytes (2,048 hex digits), so 10,000 keys stay near 21 MB even with
 * the longest keys. Each statement scans the ledger again; that is the price of a bounded result.
 *
 * <p>Too many statements or sessions at once, throttling, or no answer is Redshift saying "later": a
 * statement is submitted again after a pause (a read repeats safely), a poll polls again.
 */
public final class RedshiftLedger implements LedgerReader {
    /** Keys per statement by default: at most ~21 MB of result with 1,024-byte keys, far under 100 MB. */
    public static final int DEFAULT_KEYS_PER_STATEMENT = 10_000;
    private static final Duration FIRST_PAUSE = Duration.ofMillis(100);
    private static final int SUBMIT_ATTEMPTS = 6;

    private final RedshiftDataClient client;
    private final DataApi api;
    private final TableName ledger;
    private final int keysPerStatement;
    private final Duration statementTimeout;
    private final String describe;

    /**
     * @param client           a client this reader owns and closes
     * @param keysPerStatement distinct keys per statement (each statement's result must stay under 100 MB)
     * @param statementTimeout how long one statement may run before the audit gives up (it is cancelled)
     */
    public RedshiftLedger(RedshiftDataClient client, RedshiftTarget target, TableName ledger, int keysPerStatement,
                          Duration statementTimeout) {
        if (keysPerStatement < 1) {
            throw new IllegalArgumentException("keysPerStatement must be at least 1, got " + keysPerStatement);
        }
        this.client = client;
        this.api = new DataApi(client, target, FIRST_PAUSE, "s3loader-audit");
        this.ledger = ledger;
        this.keysPerStatement = keysPerStatement;
        this.statementTimeout = statementTimeout;
        this.describe = "redshift table " + ledger + " (" + target.workgroup().map(w -> "workgroup " + w)
                .orElseGet(() -> "cluster " + target.clusterId().orElse("?")) + ", database " + target.database().orElse("?") + ")";
    }

    @Override
    public String describe() {
        return describe;
    }

    @Override
    public Iterator<LedgerRow> rowsInKeyOrder() {
        return new Rows();
    }

    /** One pass: statement after statement, page after page, one page held. */
    private final class Rows implements Iterator<LedgerRow> {
        private Iterator<List<Field>> page = Collections.emptyIterator();
        private String statementId;
        private String nextToken;
        private String lastHex;
        private int keysInStatement;
        private LedgerRow next;

        @Override
        public boolean hasNext() {
            if (next == null) {
                next = advance();
            }
            return next != null;
        }

        @Override
        public LedgerRow next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            LedgerRow r = next;
            next = null;
            return r;
        }

        private LedgerRow advance() {
            while (!page.hasNext()) {
                if (nextToken != null) {
                    page = page(statementId, nextToken);
                    continue;
                }
                if (statementId != null && keysInStatement < keysPerStatement) {
                    return null; // a statement short of its limit held the ledger's last keys
                }
                statementId = run(lastHex);
                keysInStatement = 0;
                page = page(statementId, null);
            }
            List<Field> record = page.next();
            String hex = record.get(0).stringValue();
            String etag = record.get(1).stringValue();
            if (hex == null || etag == null) {
                throw new LedgerReadException("the ledger " + ledger + " has a row without key or etag");
            }
            if (!hex.equals(lastHex)) {
                keysInStatement++;
                lastHex = hex;
            }
            return new LedgerRow(decode(hex), etag);
        }

        private Iterator<List<Field>> page(String id, String token) {
            GetStatementResultResponse r;
            try {
                r = api.page(id, token);
            } catch (LoaderException e) {
                throw new LedgerReadException("cannot read the ledger " + ledger + " (GetStatementResult " + id + "): "
                        + why(e), e.getCause());
            }
            nextToken = r.nextToken() == null || r.nextToken().isEmpty() ? null : r.nextToken();
            return r.records().iterator();
        }
    }

    /** Submits one statement and waits for it to finish; returns its id. */
    private String run(String after) {
        String sql = RedshiftSql.ledgerInKeyOrder(ledger, keysPerStatement, after == null);
        String id = submit(sql, after == null ? Map.of() : Map.of("after", after));
        DescribeStatementResponse d;
        try {
            d = api.awaitOrRefused(id, statementTimeout).orElse(null);
        } catch (LoaderException e) {
            throw new LedgerReadException("cannot read the ledger " + ledger + " (DescribeStatement " + id + "): " + why(e),
                    e.getCause());
        }
        if (d == null) {
            api.cancel(id); // it would end on its own; the audit stops either way
            throw new LedgerReadException("cannot read the ledger " + ledger + ": a statement ran longer than " + statementTimeout);
        }
        if (d.status() != StatusString.FINISHED) {
            String hint = String.valueOf(d.error()).contains("size limit")
                    ? " (fewer keys per statement: --ledger-keys-per-statement)" : "";
            throw new LedgerReadException("cannot read the ledger " + ledger + ": the statement " + d.statusAsString().toLowerCase()
                    + ": " + d.error() + hint);
        }
        if (!Boolean.TRUE.equals(d.hasResultSet())) {
            throw new LedgerReadException("cannot read the ledger " + ledger + ": the statement returned no result set");
        }
        return id;
    }

    /** Redshift saying "later" (a transient failure) is waited out and the statement submitted again. */
    private String submit(String sql, Map<String, String> parameters) {
        Duration pause = Duration.ofSeconds(1);
        for (int attempt = 1; ; attempt++) {
            try {
                return api.submit(sql, parameters);
            } catch (TransientLoadException e) {
                if (attempt == SUBMIT_ATTEMPTS) {
                    throw new LedgerReadException("cannot read the ledger " + ledger + ": " + why(e), e.getCause());
                }
                DataApi.sleep(pause);
                pause = pause.multipliedBy(2);
            } catch (LoaderException e) {
                throw new LedgerReadException("cannot read the ledger " + ledger + ": " + why(e), e.getCause());
            }
        }
    }

    /** What the Data API said (the loader's wrapper only adds its own words). */
    private static String why(LoaderException e) {
        return e.getCause() != null && e.getCause().getMessage() != null ? e.getCause().getMessage() : e.getMessage();
    }

    /** The key from the hex of its stored bytes; bytes that are not UTF-8 cannot be an S3 key. */
    static String decode(String hex) {
        byte[] bytes;
        try {
            bytes = HexFormat.of().parseHex(hex);
        } catch (IllegalArgumentException e) {
            throw new LedgerReadException("the ledger returned a key that is not hex: " + e.getMessage(), e);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new LedgerReadException("the ledger holds a key that is not UTF-8 (hex " + hex + ")", e);
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
