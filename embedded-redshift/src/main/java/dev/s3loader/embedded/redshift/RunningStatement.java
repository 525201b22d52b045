package dev.s3loader.embedded.redshift;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** One submitted statement (or batch) and its sub-statements, as DescribeStatement reports them. */
final class RunningStatement {
    private static final java.util.concurrent.atomic.AtomicLong SEQUENCE = new java.util.concurrent.atomic.AtomicLong();
    final long sequence = SEQUENCE.incrementAndGet();
    final String id;
    final boolean batch;
    final String database;
    final String clusterId;
    final String workgroup;
    final String secretArn;
    final String dbUser;
    final Map<String, String> parameters;
    final List<Sub> subs;
    final Instant createdAt = Instant.now();
    volatile String status = "SUBMITTED";
    volatile String error;
    volatile Instant updatedAt = createdAt;
    volatile long durationNanos = -1;
    volatile int pid;
    volatile boolean cancelRequested;
    volatile java.sql.Statement running;

    RunningStatement(String id, boolean batch, String database, String clusterId, String workgroup, String secretArn,
                     String dbUser, Map<String, String> parameters, List<String> sqls) {
        this.id = id;
        this.batch = batch;
        this.database = database;
        this.clusterId = clusterId;
        this.workgroup = workgroup;
        this.secretArn = secretArn;
        this.dbUser = dbUser;
        this.parameters = Map.copyOf(parameters);
        this.subs = sqls.stream().map(Sub::new).toList();
    }

    boolean ended() {
        return status.equals("FINISHED") || status.equals("FAILED") || status.equals("ABORTED");
    }

    /** A column of a result: its name and PostgreSQL type name. */
    record Column(String name, String typeName) {
    }

    /** A result set: values are Long, Double, Boolean, String or null. */
    record Result(List<Column> columns, List<List<Object>> rows) {
    }

    /** The id DescribeStatement reports for a sub-statement: STL's on a cluster, the SYS views' on Serverless (no STL there). */
    long reportedQueryId(Sub s) {
        return Math.max(0, clusterId != null ? s.queryId : s.sysQueryId);
    }

    static final class Sub {
        final String sql;
        volatile String status = "SUBMITTED";
        volatile String error;
        /** STL_QUERY's {@code query}: what DescribeStatement reports on a provisioned cluster. */
        volatile long queryId = -1;
        /**
         * The SYS views' {@code query_id}, another identifier (SYS_QUERY_HISTORY: "The query_id column in the SYS
         * monitoring views and the query column in STL_QUERY are not the same identifier").
         */
        volatile long sysQueryId = -1;
        volatile Instant createdAt = Instant.now();
        volatile Instant updatedAt = createdAt;
        volatile long durationNanos = -1;
        volatile long resultRows = -1;
        volatile Result result;

        Sub(String sql) {
            this.sql = sql;
        }
    }
}
