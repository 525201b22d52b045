package dev.s3loader.ops.audit;

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
import java.util.NoSuchElementException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.redshiftdata.RedshiftDataClient;
import software.amazon.awssdk.services.redshiftdata.model.ActiveSessionsExceededException;
import software.amazon.awssdk.services.redshiftdata.model.ActiveStatementsExceededException;
import software.amazon.awssdk.services.redshiftdata.model.DescribeStatementResponse;
import software.amazon.awssdk.services.redshiftdata.model.Field;
import software.amazon.awssdk.services.redshiftdata.model.GetStatementResultResponse;
import software.amazon.awssdk.services.redshiftdata.model.SqlParameter;
import software.amazon.awssdk.services.redshiftdata.model.StatusString;

/**
 * Reads the redshift destination's ledger (the layout RedshiftSql creates: key_sha256, key, etag,
 * …) through the Data API, in UTF-8 byte order of the key, streaming.
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
 */
public final class RedshiftLedger implements LedgerReader {
    /** Keys per statement by default: at most ~21 MB of result with 1,024-byte keys, far under 100 MB. */
    public static final int DEFAULT_KEYS_PER_STATEMENT = 10_000;
    private static final Duration FIRST_PAUSE = Duration.ofMillis(100);
    private static final Duration MAX_PAUSE = Duration.ofSeconds(5);
    private static final int SUBMIT_ATTEMPTS = 6;

    private final RedshiftDataClient client;
    private final RedshiftTarget target;
    private final TableName ledger;
    private final int keysPerStatement;
    private final Duration statementTimeout;

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
        this.target = target;
        this.ledger = ledger;
        this.keysPerStatement = keysPerStatement;
        this.statementTimeout = statementTimeout;
    }

    @Override
    public String describe() {
        return "redshift table " + ledger + " (" + target.workgroup().map(w -> "workgroup " + w)
                .orElseGet(() -> "cluster " + target.clusterId().orElse("?")) + ", database " + target.database().orElse("?") + ")";
    }

    @Override
    public Iterator<LedgerRow> rowsInKeyOrder() {
        return new Rows();
    }

    /** The SQL of one statement: the rows of the next {@code keysPerStatement} keys after {@code :after}, if given. */
    String statement(boolean first) {
        String hex = "FROM_VARBYTE(TO_VARBYTE(\"key\", 'utf8'), 'hex')";
        return "WITH h AS (SELECT " + hex + " AS key_hex, \"etag\" FROM " + ledger.quoted()
                + (first ? "" : " WHERE " + hex + " > :after") + "), "
                + "upto AS (SELECT MAX(key_hex) AS last_hex FROM "
                + "(SELECT key_hex FROM h GROUP BY key_hex ORDER BY key_hex LIMIT " + keysPerStatement + ") k) "
                + "SELECT h.key_hex, h.\"etag\" FROM h, upto WHERE h.key_hex <= upto.last_hex ORDER BY h.key_hex, h.\"etag\"";
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
                throw new AuditException("the ledger " + ledger + " has a row without key or etag");
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
                r = client.getStatementResult(b -> b.id(id).nextToken(token));
            } catch (SdkException e) {
                throw new AuditException("cannot read the ledger " + ledger + " (GetStatementResult " + id + "): "
                        + e.getMessage(), e);
            }
            nextToken = r.nextToken() == null || r.nextToken().isEmpty() ? null : r.nextToken();
            return r.records().iterator();
        }
    }

    /** Submits one statement and waits for it to finish; returns its id. */
    private String run(String after) {
        String sql = statement(after == null);
        List<SqlParameter> parameters = after == null ? null : List.of(SqlParameter.builder().name("after").value(after).build());
        String id = submit(sql, parameters);
        DescribeStatementResponse d = await(id);
        if (d.status() != StatusString.FINISHED) {
            String hint = String.valueOf(d.error()).contains("size limit")
                    ? " (fewer keys per statement: --ledger-keys-per-statement)" : "";
            throw new AuditException("cannot read the ledger " + ledger + ": the statement " + d.statusAsString().toLowerCase()
                    + ": " + d.error() + hint);
        }
        if (!Boolean.TRUE.equals(d.hasResultSet())) {
            throw new AuditException("cannot read the ledger " + ledger + ": the statement returned no result set");
        }
        return id;
    }

    /** Too many statements or sessions at once is Redshift saying "later": wait and submit again (a read repeats safely). */
    private String submit(String sql, List<SqlParameter> parameters) {
        Duration pause = Duration.ofSeconds(1);
        for (int attempt = 1; ; attempt++) {
            try {
                return client.executeStatement(b -> b.sql(sql).parameters(parameters).database(target.database().orElseThrow())
                        .clusterIdentifier(target.clusterId().orElse(null)).workgroupName(target.workgroup().orElse(null))
                        .secretArn(target.secretArn().orElse(null)).dbUser(target.dbUser().orElse(null))
                        .statementName("s3loader-audit")).id();
            } catch (SdkException e) {
                if (!later(e)) {
                    throw new AuditException("cannot read the ledger " + ledger + ": " + e.getMessage(), e);
                }
                if (attempt == SUBMIT_ATTEMPTS) {
                    throw new AuditException("cannot read the ledger " + ledger + ": " + e.getMessage(), e);
                }
                sleep(pause);
                pause = pause.multipliedBy(2);
            }
        }
    }

    /**
     * Redshift saying "later": too many statements or sessions, or ThrottlingException (the Data API's
     * common error for its request rate, which the SDK's own retries may not outlast).
     */
    private static boolean later(SdkException e) {
        return e instanceof ActiveStatementsExceededException || e instanceof ActiveSessionsExceededException
                || (e instanceof AwsServiceException a && a.isThrottlingException());
    }

    /** A failed poll worth polling again: throttled, a server error, or no answer at all. */
    private static boolean pollAgain(SdkException e) {
        return later(e) || e instanceof SdkClientException || (e instanceof AwsServiceException a && a.statusCode() >= 500);
    }

    /** Polls DescribeStatement with a growing pause; a statement past the timeout is cancelled and the audit stops. */
    private DescribeStatementResponse await(String id) {
        long deadline = System.nanoTime() + statementTimeout.toNanos();
        Duration pause = FIRST_PAUSE;
        SdkException lastFailure = null;
        while (true) {
            sleep(pause);
            try {
                DescribeStatementResponse d = client.describeStatement(b -> b.id(id));
                if (d.status() == StatusString.FINISHED || d.status() == StatusString.FAILED || d.status() == StatusString.ABORTED) {
                    return d;
                }
            } catch (SdkException e) {
                // One failed poll says nothing about the statement, which runs on: poll again until the timeout.
                if (!pollAgain(e)) {
                    throw new AuditException("cannot read the ledger " + ledger + " (DescribeStatement " + id + "): "
                            + e.getMessage(), e);
                }
                lastFailure = e;
            }
            if (System.nanoTime() > deadline && lastFailure != null) {
                throw new AuditException("cannot read the ledger " + ledger + " (DescribeStatement " + id + ") within "
                        + statementTimeout + ": " + lastFailure.getMessage(), lastFailure);
            }
            if (System.nanoTime() > deadline) {
                try {
                    client.cancelStatement(b -> b.id(id));
                } catch (SdkException e) {
                    // It ends on its own; the audit stops either way.
                }
                throw new AuditException("cannot read the ledger " + ledger + ": a statement ran longer than " + statementTimeout);
            }
            pause = pause.multipliedBy(3).dividedBy(2);
            if (pause.compareTo(MAX_PAUSE) > 0) {
                pause = MAX_PAUSE;
            }
        }
    }

    /** The key from the hex of its stored bytes; bytes that are not UTF-8 cannot be an S3 key. */
    static String decode(String hex) {
        byte[] bytes;
        try {
            bytes = HexFormat.of().parseHex(hex);
        } catch (IllegalArgumentException e) {
            throw new AuditException("the ledger returned a key that is not hex: " + e.getMessage(), e);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new AuditException("the ledger holds a key that is not UTF-8 (hex " + hex + ")", e);
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AuditException("interrupted while waiting for Redshift", e);
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
