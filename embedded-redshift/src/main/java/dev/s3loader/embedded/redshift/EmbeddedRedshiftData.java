package dev.s3loader.embedded.redshift;

import com.sun.net.httpserver.HttpServer;
import dev.s3loader.clients.AwsClients;
import dev.s3loader.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.function.Predicate;
import javax.sql.DataSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.redshiftdata.RedshiftDataClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A local Redshift Data API: a JDK HTTP server on loopback that speaks the Data API's protocol
 * (ExecuteStatement, BatchExecuteStatement, DescribeStatement, GetStatementResult,
 * CancelStatement) and runs the SQL on PostgreSQL, with Redshift's {@code COPY ... FROM 's3://...'}
 * translated into reads from a local S3 server. No Redshift exists to run locally; this is what
 * the redshift destination is tested against, through the real SDK client.
 *
 * <p>What it checks as Redshift would: the request's target (database, exactly one of cluster or
 * workgroup, not both a secret and a database user), COPY credentials (IAM_ROLE or CREDENTIALS),
 * COPY's syntax ({@code QUOTE} only as {@code CSV [QUOTE [AS] 'c']}), the manifest's form,
 * mandatory entries present, a bad row failing the COPY with its file, line and column in
 * {@code sys_load_error_detail}; results handed out a page at a time with NextToken, and a result
 * above the size limit failing its statement; serializable isolation (transactions that cannot be serialized
 * fail with error 1023; LOCK blocks readers too); and, for tables created through it, VARCHAR
 * lengths in bytes, trailing blanks ignored in comparisons and keys not enforced
 * ({@link RedshiftDdl}). What it does not: Redshift's SQL dialect beyond GETDATE(), TO_VARBYTE and
 * FROM_VARBYTE (utf8 and hex; other SQL runs
 * as PostgreSQL SQL), MAXERROR above 0, text-format escapes, columnar formats. Tests can make it
 * less obliging than Redshift usually is: misfile or withhold load-error rows, hold a batch at a
 * chosen statement or before COMMIT, fail DescribeStatement.
 * The Data API's {@code Database} names a database of the PostgreSQL server.
 */
public final class EmbeddedRedshiftData implements AutoCloseable {
    public static final String ACCESS_KEY = "s3loader";
    public static final String SECRET_KEY = "s3loader-secret";
    public static final Region REGION = Region.US_EAST_1;
    /** Rows per GetStatementResult page unless a test sets another ({@link #resultPageRows}). */
    public static final int DEFAULT_PAGE_ROWS = 1000;
    /** The Data API's limit on one statement's result set: 100 MB. */
    public static final long DEFAULT_RESULT_SIZE_LIMIT = 100L * 1024 * 1024;

    private final HttpServer server;
    private final ExecutorService http;
    private final ExecutorService statements;
    private final StatementRunner runner;
    private final S3Copy copy;
    private final DataApiProtocol protocol;
    private final URI endpoint;

    private EmbeddedRedshiftData(Function<String, DataSource> databases, S3Client s3) {
        this.copy = new S3Copy(s3, databases);
        this.runner = new StatementRunner(databases, copy);
        this.statements = Executors.newCachedThreadPool(Thread.ofPlatform().name("local-redshift-sql-", 0).daemon(true).factory());
        this.http = Executors.newFixedThreadPool(8, Thread.ofPlatform().name("local-redshift-http-", 0).daemon(true).factory());
        this.protocol = new DataApiProtocol(runner, statements);
        try {
            this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind the local Redshift Data API", e);
        }
        server.createContext("/", protocol);
        server.setExecutor(http);
        server.start();
        this.endpoint = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /**
     * A Data API whose {@code Database} parameter picks a database of {@code postgres} (create it
     * first, e.g. with {@link EmbeddedPostgres#createDatabase}), reading COPY sources with {@code s3}.
     */
    public static EmbeddedRedshiftData start(EmbeddedPostgres postgres, S3Client s3) {
        Objects.requireNonNull(postgres, "postgres");
        return start(postgres::dataSource, s3);
    }

    /** The same over any PostgreSQL: {@code databases} maps a Data API database name to a data source. */
    public static EmbeddedRedshiftData start(Function<String, DataSource> databases, S3Client s3) {
        return new EmbeddedRedshiftData(Objects.requireNonNull(databases, "databases"), Objects.requireNonNull(s3, "s3"));
    }

    public URI endpoint() {
        return endpoint;
    }

    /** A real SDK client for this endpoint (static credentials, fixed region); the caller closes it. */
    public RedshiftDataClient newClient() {
        // The Lambdas' HTTP client and retry policy, so tests exercise what production runs.
        return AwsClients.configure(RedshiftDataClient.builder(), AwsClients.http())
                .endpointOverride(endpoint)
                .region(REGION)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .build();
    }

    /**
     * At most this many rows per GetStatementResult answer; the rest follow with its NextToken, as
     * Redshift's Data API pages a result (by its own rule, which a client cannot choose). A small
     * value makes any reader that ignores NextToken lose rows.
     */
    public void resultPageRows(int rows) {
        if (rows < 1) {
            throw new IllegalArgumentException("rows per page must be at least 1, got " + rows);
        }
        protocol.pageRows(rows);
    }

    /**
     * A statement whose result set is larger than this (its values' bytes as text) fails with
     * "Database response exceeded size limit", as the Data API fails results above 100 MB.
     */
    public void resultSizeLimit(long bytes) {
        runner.resultSizeLimit(bytes);
    }

    /** Every SQL text submitted so far, in order: what a test inspects to prove nothing was spliced in. */
    public List<String> submittedSql() {
        return protocol.submittedSql();
    }

    /** Batches run to their end but wait before COMMIT until {@link #releaseCommits()} (or a cancel). */
    public void holdCommits() {
        runner.holdCommits();
    }

    public void releaseCommits() {
        runner.releaseCommits();
    }

    /** How many batches wait before COMMIT now (held by {@link #holdCommits()}). */
    public int heldCommits() {
        return runner.heldCommits();
    }

    /**
     * Sub-statements of batches whose SQL matches wait before they run (within their transaction,
     * holding what they locked so far) until {@link #releaseStatements()} or a cancel: how a test
     * stops a batch at a chosen point to force another worker to overlap it.
     */
    public void holdStatements(Predicate<String> which) {
        runner.holdStatements(which);
    }

    public void releaseStatements() {
        runner.releaseStatements();
    }

    /** How many sub-statements wait at {@link #holdStatements} now. */
    public int heldStatements() {
        return runner.heldStatements();
    }

    /** Every statement submitted so far, oldest first, with its status now: what a test asserts a path ran with. */
    public List<Statement> statements() {
        return protocol.statements();
    }

    /** One submitted statement (or batch) as DescribeStatement would report it now. */
    public record Statement(String id, boolean batch, List<String> sqls, String status, String error,
                            List<String> subStatus) {
        public boolean mentions(String text) {
            return sqls.stream().anyMatch(s -> s.contains(text));
        }
    }

    /**
     * Where a failed COPY's error rows go. Redshift does not promise that SYS_LOAD_ERROR_DETAIL
     * holds the row under the query id DescribeStatement reports, nor that it holds it yet.
     */
    public enum LoadErrorRows {
        /** Under the query id DescribeStatement reported (the default). */
        BY_QUERY_ID,
        /** Under another query id: only the file name finds it. */
        OTHER_QUERY_ID,
        /** Not at all: the caller has to find the bad file itself. */
        WITHHELD
    }

    /**
     * Sub-statements of batches whose SQL matches fail with this error (SQLSTATE 42501), as a
     * permission Redshift denies would; {@code sql -> false} restores them.
     */
    public void failStatements(Predicate<String> which, String error) {
        runner.failStatements(Objects.requireNonNull(which, "which"), Objects.requireNonNull(error, "error"));
    }

    /**
     * The next {@code times} calls of the Data API operation {@code operation} (e.g. "DescribeStatement",
     * "ExecuteStatement") answer 400 ThrottlingException, as the Data API does above its request rate.
     */
    public void throttle(String operation, int times) {
        protocol.throttle(Objects.requireNonNull(operation, "operation"), times);
    }

    /**
     * The objects of {@code bucket} are SSE-KMS encrypted under {@code keyArn}: a COPY whose IAM_ROLE is not
     * among {@code rolesAllowedToDecrypt} fails with S3's AccessDenied for kms:Decrypt (c_loading-encrypted-files).
     */
    public void kmsEncrypted(String bucket, String keyArn, Set<String> rolesAllowedToDecrypt) {
        copy.kmsEncrypted(bucket, keyArn, Set.copyOf(rolesAllowedToDecrypt));
    }

    public void notEncrypted(String bucket) {
        copy.notEncrypted(bucket);
    }

    /**
     * Declares the region {@code bucket} is in (the emulated cluster is in {@link #REGION}): a COPY from a
     * bucket elsewhere fails unless it names that region with REGION (copy-parameters-data-source-s3).
     */
    public void bucketRegion(String bucket, String region) {
        copy.bucketRegion(Objects.requireNonNull(bucket, "bucket"), Objects.requireNonNull(region, "region"));
    }

    /** Redshift's two isolation levels (c_serial_isolation). */
    public enum Isolation {
        /** Transactions that cannot be serialized fail with error 1023 (the emulator's default). */
        SERIALIZABLE,
        /** The default for new clusters and workgroups: concurrent writers to different rows both commit. */
        SNAPSHOT
    }

    /** The isolation level of the transactions that start from now on. */
    public void isolation(Isolation level) {
        runner.isolation(Objects.requireNonNull(level, "level"));
    }

    /** The reader COPY ... FORMAT AS PARQUET reads its files with (see {@link ColumnarReader}). */
    public void parquetReader(ColumnarReader reader) {
        copy.parquetReader(reader);
    }

    public void loadErrorRows(LoadErrorRows rows) {
        copy.loadErrorRows(Objects.requireNonNull(rows, "rows"));
    }

    /**
     * DescribeStatement answers 500 for statements whose SQL matches (a lost poll); the statements
     * themselves run on. {@code sqls -> false} restores it.
     */
    public void failDescribeOf(Predicate<List<String>> which) {
        protocol.failDescribeOf(which);
    }

    @Override
    public void close() {
        server.stop(0);
        http.shutdownNow();
        statements.shutdownNow();
    }

    @Override
    public String toString() {
        return "EmbeddedRedshiftData[" + endpoint + "]";
    }
}
