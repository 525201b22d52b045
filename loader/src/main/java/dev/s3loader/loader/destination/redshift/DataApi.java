package dev.s3loader.loader.destination.redshift;

import dev.s3loader.loader.LoaderException;
import dev.s3loader.loader.TransientLoadException;
import dev.s3loader.model.RedshiftTarget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.redshiftdata.RedshiftDataClient;
import software.amazon.awssdk.services.redshiftdata.model.ActiveSessionsExceededException;
import software.amazon.awssdk.services.redshiftdata.model.ActiveStatementsExceededException;
import software.amazon.awssdk.services.redshiftdata.model.DatabaseConnectionException;
import software.amazon.awssdk.services.redshiftdata.model.DescribeStatementResponse;
import software.amazon.awssdk.services.redshiftdata.model.Field;
import software.amazon.awssdk.services.redshiftdata.model.GetStatementResultResponse;
import software.amazon.awssdk.services.redshiftdata.model.InternalServerException;
import software.amazon.awssdk.services.redshiftdata.model.RedshiftDataException;
import software.amazon.awssdk.services.redshiftdata.model.SqlParameter;
import software.amazon.awssdk.services.redshiftdata.model.StatusString;

/**
 * The Data API calls the destination makes, with the target filled in on each. Statements run
 * asynchronously: {@link #await} polls DescribeStatement with a growing pause until the statement
 * ends or the deadline passes; a deadline passed or polls that keep failing is an outcome the
 * caller must settle some other way (the ledger), never by running the statement again.
 */
final class DataApi {
    private static final Logger LOG = Logger.getLogger(DataApi.class.getName());
    private static final Duration MAX_PAUSE = Duration.ofSeconds(5);

    private final RedshiftDataClient client;
    private final RedshiftTarget target;
    private final Duration firstPause;
    private final String statementName;

    DataApi(RedshiftDataClient client, RedshiftTarget target, Duration firstPause) {
        this(client, target, firstPause, "s3loader");
    }

    /** @param statementName the name each statement carries (it tells the loader's statements from the audit's) */
    DataApi(RedshiftDataClient client, RedshiftTarget target, Duration firstPause, String statementName) {
        this.client = client;
        this.target = target;
        this.firstPause = firstPause;
        this.statementName = statementName;
    }

    /** Submits statements that run in one transaction, in order; returns the statement id. */
    String submitBatch(List<String> sqls) {
        return submit(() -> client.batchExecuteStatement(b -> b.sqls(sqls).database(target.database().orElseThrow())
                .clusterIdentifier(target.clusterId().orElse(null)).workgroupName(target.workgroup().orElse(null))
                .secretArn(target.secretArn().orElse(null)).dbUser(target.dbUser().orElse(null))
                .statementName(statementName)).id());
    }

    /** Submits one statement; named parameters ({@code :name}) carry every value that is data. */
    String submit(String sql, Map<String, String> parameters) {
        List<SqlParameter> params = parameters.entrySet().stream()
                .map(e -> SqlParameter.builder().name(e.getKey()).value(e.getValue()).build()).toList();
        return submit(() -> client.executeStatement(b -> b.sql(sql).parameters(params.isEmpty() ? null : params)
                .database(target.database().orElseThrow())
                .clusterIdentifier(target.clusterId().orElse(null)).workgroupName(target.workgroup().orElse(null))
                .secretArn(target.secretArn().orElse(null)).dbUser(target.dbUser().orElse(null))
                .statementName(statementName)).id());
    }

    private static String submit(java.util.function.Supplier<String> call) {
        try {
            return call.get();
        } catch (SdkException e) {
            if (transientFailure(e)) {
                throw new TransientLoadException("Redshift Data API unavailable: " + e.getMessage(), e);
            }
            throw new LoaderException("Redshift Data API refused the statement: " + e.getMessage(), e);
        }
    }

    /** The statement's final description, or empty when it did not end before the timeout or could not be polled. */
    Optional<DescribeStatementResponse> await(String id, Duration timeout) {
        return await(id, timeout, e -> true);
    }

    /**
     * As {@link #await(String, Duration)}, but a poll that fails for good (not {@link #transientFailure})
     * ends the wait at once, as a {@link LoaderException}: for a reader, which has nothing to settle.
     */
    Optional<DescribeStatementResponse> awaitOrRefused(String id, Duration timeout) {
        return await(id, timeout, DataApi::transientFailure);
    }

    private Optional<DescribeStatementResponse> await(String id, Duration timeout,
                                                      java.util.function.Predicate<SdkException> pollAgain) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Duration pause = firstPause;
        SdkException lastPollFailure = null;
        while (true) {
            // Never sleep past the timeout: it may be the batch's deadline.
            long left = Math.max(10_000_000L, deadline - System.nanoTime());
            sleep(pause.toNanos() < left ? pause : Duration.ofNanos(left));
            try {
                DescribeStatementResponse d = client.describeStatement(b -> b.id(id));
                if (d.status() == StatusString.FINISHED || d.status() == StatusString.FAILED
                        || d.status() == StatusString.ABORTED) {
                    return Optional.of(d);
                }
            } catch (SdkException e) {
                if (!pollAgain.test(e)) {
                    throw new LoaderException("Redshift Data API refused DescribeStatement " + id + ": " + e.getMessage(), e);
                }
                lastPollFailure = e; // keep polling until the deadline: the statement goes on regardless
            }
            if (System.nanoTime() > deadline) {
                LOG.warning("statement " + id + " has no final status after " + timeout
                        + (lastPollFailure == null ? "" : "; last poll failed: " + lastPollFailure.getMessage()));
                return Optional.empty();
            }
            pause = pause.multipliedBy(3).dividedBy(2);
            if (pause.compareTo(MAX_PAUSE) > 0) {
                pause = MAX_PAUSE;
            }
        }
    }

    /** Runs a query and returns its rows as text (NULL as null); failures are exceptions. */
    List<List<String>> query(String sql, Map<String, String> parameters, Duration timeout) {
        String id = submit(sql, parameters);
        DescribeStatementResponse d = await(id, timeout).orElseThrow(() -> {
            cancel(id);
            return new TransientLoadException("Redshift query did not finish within " + timeout + ": " + firstLine(sql));
        });
        if (d.status() != StatusString.FINISHED) {
            String error = d.error();
            if (RedshiftErrors.transientFailure(error)) {
                throw new TransientLoadException("Redshift query failed: " + error);
            }
            throw new LoaderException("Redshift query failed: " + error + " (" + firstLine(sql) + ")");
        }
        if (!Boolean.TRUE.equals(d.hasResultSet())) {
            return List.of();
        }
        return rows(id);
    }

    /** The names of a query's result columns (from its column metadata, so a query with no rows answers too). */
    List<String> columns(String sql, Duration timeout) {
        String id = submit(sql, Map.of());
        DescribeStatementResponse d = await(id, timeout).orElseThrow(() -> {
            cancel(id);
            return new TransientLoadException("Redshift query did not finish within " + timeout + ": " + firstLine(sql));
        });
        if (d.status() != StatusString.FINISHED) {
            if (RedshiftErrors.transientFailure(d.error())) {
                throw new TransientLoadException("Redshift query failed: " + d.error());
            }
            throw new LoaderException("Redshift query failed: " + d.error() + " (" + firstLine(sql) + ")");
        }
        try {
            return client.getStatementResult(b -> b.id(id)).columnMetadata().stream().map(c -> c.name()).toList();
        } catch (SdkException e) {
            throw new TransientLoadException("cannot read the result of Redshift statement " + id + ": " + e.getMessage(), e);
        }
    }

    /** All rows of a finished statement (or sub-statement, {@code id:n}), following NextToken. */
    List<List<String>> rows(String id) {
        List<List<String>> rows = new ArrayList<>();
        String token = null;
        do {
            GetStatementResultResponse r = page(id, token);
            for (List<Field> record : r.records()) {
                rows.add(record.stream().map(DataApi::text).toList());
            }
            token = r.nextToken();
        } while (token != null && !token.isEmpty());
        return rows;
    }

    /** One page of a finished statement's result: the first with a null token, then each NextToken in turn. */
    GetStatementResultResponse page(String id, String token) {
        try {
            return client.getStatementResult(b -> b.id(id).nextToken(token));
        } catch (SdkException e) {
            throw new TransientLoadException("cannot read the result of Redshift statement " + id + ": " + e.getMessage(), e);
        }
    }

    /** Best effort: a statement given up on should not go on holding locks. */
    void cancel(String id) {
        try {
            client.cancelStatement(b -> b.id(id));
        } catch (SdkException e) {
            LOG.info("cancel of statement " + id + ": " + e.getMessage());
        }
    }

    private static String text(Field f) {
        if (Boolean.TRUE.equals(f.isNull())) {
            return null;
        }
        if (f.stringValue() != null) {
            return f.stringValue();
        }
        if (f.longValue() != null) {
            return Long.toString(f.longValue());
        }
        if (f.doubleValue() != null) {
            return Double.toString(f.doubleValue());
        }
        if (f.booleanValue() != null) {
            return Boolean.toString(f.booleanValue());
        }
        return null;
    }

    static boolean transientFailure(SdkException e) {
        if (e instanceof SdkClientException || e instanceof ActiveStatementsExceededException
                || e instanceof ActiveSessionsExceededException || e instanceof DatabaseConnectionException
                || e instanceof InternalServerException) {
            return true;
        }
        return e instanceof RedshiftDataException r && (r.statusCode() >= 500 || r.isThrottlingException()
                || RedshiftErrors.transientFailure(r.getMessage()));
    }

    private static String firstLine(String sql) {
        String s = sql.strip();
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LoaderException("interrupted while waiting for Redshift", e);
        }
    }
}
