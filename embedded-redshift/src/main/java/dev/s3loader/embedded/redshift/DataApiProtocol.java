package dev.s3loader.embedded.redshift;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The Data API's wire protocol, AWS JSON 1.1: POST / with {@code X-Amz-Target: RedshiftData.<Operation>},
 * JSON in and out, errors as {@code {"__type": ..., "message": ...}}. Requests must be signed
 * (any credentials are accepted, as with static test credentials).
 */
final class DataApiProtocol implements HttpHandler {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PARAMETER_NAME = Pattern.compile("[0-9a-zA-Z_]+");
    private static final int MAX_BATCH_SQLS = 40;

    private final StatementRunner runner;
    private final ExecutorService executor;
    private final Map<String, RunningStatement> statements = new ConcurrentHashMap<>();
    private final List<String> submittedSql = java.util.Collections.synchronizedList(new ArrayList<>());
    private volatile Predicate<List<String>> failDescribe = sqls -> false;
    private final java.util.Map<String, java.util.concurrent.atomic.AtomicInteger> throttled =
            new java.util.concurrent.ConcurrentHashMap<>();
    private volatile int pageRows = EmbeddedRedshiftData.DEFAULT_PAGE_ROWS;

    DataApiProtocol(StatementRunner runner, ExecutorService executor) {
        this.runner = runner;
        this.executor = executor;
    }

    List<String> submittedSql() {
        synchronized (submittedSql) {
            return List.copyOf(submittedSql);
        }
    }

    /** Every statement submitted so far, oldest first, as it stands now. */
    List<EmbeddedRedshiftData.Statement> statements() {
        return statements.values().stream().sorted(java.util.Comparator.comparing((RunningStatement st) -> st.createdAt)
                        .thenComparingLong(st -> st.sequence))
                .map(st -> new EmbeddedRedshiftData.Statement(st.id, st.batch, st.subs.stream().map(s -> s.sql).toList(),
                        st.status, st.error, st.subs.stream().map(s -> s.status).toList()))
                .toList();
    }

    void pageRows(int rows) {
        pageRows = rows;
    }

    void failDescribeOf(Predicate<List<String>> which) {
        failDescribe = which;
    }

    /** The next {@code times} calls of {@code operation} (e.g. "DescribeStatement") answer ThrottlingException. */
    void throttle(String operation, int times) {
        throttled.put("RedshiftData." + operation, new java.util.concurrent.atomic.AtomicInteger(times));
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        try (ex) {
            int status = 200;
            ObjectNode out;
            try {
                if (!"POST".equals(ex.getRequestMethod())) {
                    throw new ApiException(405, "UnknownOperationException", "only POST is supported");
                }
                String auth = ex.getRequestHeaders().getFirst("Authorization");
                if (auth == null || !auth.startsWith("AWS4-HMAC-SHA256")) {
                    throw new ApiException(403, "MissingAuthenticationTokenException", "Missing Authentication Token");
                }
                String target = String.valueOf(ex.getRequestHeaders().getFirst("X-Amz-Target"));
                JsonNode in = JSON.readTree(ex.getRequestBody());
                java.util.concurrent.atomic.AtomicInteger throttle = throttled.get(target);
                if (throttle != null && throttle.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    // The Data API's common error (CommonErrors): "The request was denied due to request throttling", 400.
                    throw new ApiException(400, "ThrottlingException", "Rate exceeded");
                }
                out = switch (target) {
                    case "RedshiftData.ExecuteStatement" -> execute(in);
                    case "RedshiftData.BatchExecuteStatement" -> batch(in);
                    case "RedshiftData.DescribeStatement" -> describe(in);
                    case "RedshiftData.GetStatementResult" -> result(in);
                    case "RedshiftData.CancelStatement" -> cancel(in);
                    default -> throw new ApiException(400, "UnknownOperationException", "unknown operation " + target);
                };
            } catch (ApiException e) {
                status = e.status;
                out = JSON.createObjectNode().put("__type", e.type).put("message", e.getMessage());
                ex.getResponseHeaders().add("x-amzn-ErrorType", e.type);
            } catch (RuntimeException e) {
                status = 500;
                out = JSON.createObjectNode().put("__type", "InternalServerException").put("message", String.valueOf(e));
                ex.getResponseHeaders().add("x-amzn-ErrorType", "InternalServerException");
            }
            byte[] body = JSON.writeValueAsBytes(out);
            ex.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.1");
            ex.getResponseHeaders().add("x-amzn-RequestId", UUID.randomUUID().toString());
            ex.sendResponseHeaders(status, body.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(body);
            }
        }
    }

    private ObjectNode execute(JsonNode in) {
        String sql = text(in, "Sql");
        if (sql == null || sql.isBlank()) {
            throw ApiException.validation("Sql must not be empty");
        }
        Map<String, String> params = new LinkedHashMap<>();
        for (JsonNode p : in.path("Parameters")) {
            String name = p.path("name").asText("");
            String value = p.path("value").asText("");
            if (!PARAMETER_NAME.matcher(name).matches() || value.isEmpty()) {
                throw ApiException.validation("Parameter name must match [0-9a-zA-Z_]+ and value must not be empty");
            }
            params.put(name, value);
        }
        return submit(in, false, List.of(sql), params);
    }

    private ObjectNode batch(JsonNode in) {
        List<String> sqls = new ArrayList<>();
        in.path("Sqls").forEach(s -> sqls.add(s.asText()));
        if (sqls.isEmpty() || sqls.size() > MAX_BATCH_SQLS || sqls.stream().anyMatch(String::isBlank)) {
            throw ApiException.validation("Sqls must hold 1 to " + MAX_BATCH_SQLS + " non-empty statements");
        }
        return submit(in, true, sqls, Map.of());
    }

    private ObjectNode submit(JsonNode in, boolean batch, List<String> sqls, Map<String, String> params) {
        String database = text(in, "Database");
        String cluster = text(in, "ClusterIdentifier");
        String workgroup = text(in, "WorkgroupName");
        String secret = text(in, "SecretArn");
        String dbUser = text(in, "DbUser");
        if (database == null) {
            throw ApiException.validation("Database is required");
        }
        if ((cluster == null) == (workgroup == null)) {
            throw ApiException.validation("Either ClusterIdentifier or WorkgroupName must be provided, not both");
        }
        if (secret != null && dbUser != null) {
            throw ApiException.validation("SecretArn and DbUser cannot both be provided");
        }
        if (workgroup != null && dbUser != null) {
            throw ApiException.validation("DbUser is not supported with WorkgroupName");
        }
        RunningStatement st = new RunningStatement(UUID.randomUUID().toString(), batch, database, cluster, workgroup,
                secret, dbUser, params, sqls);
        statements.put(st.id, st);
        submittedSql.addAll(sqls);
        executor.execute(() -> runner.run(st));
        ObjectNode out = JSON.createObjectNode().put("Id", st.id).put("Database", database);
        put(out, "CreatedAt", st.createdAt);
        putIf(out, "ClusterIdentifier", cluster);
        putIf(out, "WorkgroupName", workgroup);
        putIf(out, "SecretArn", secret);
        putIf(out, "DbUser", dbUser);
        return out;
    }

    private ObjectNode describe(JsonNode in) {
        RunningStatement st = find(text(in, "Id"));
        if (failDescribe.test(st.subs.stream().map(s -> s.sql).toList())) {
            throw new ApiException(500, "InternalServerException", "injected: DescribeStatement unavailable");
        }
        ObjectNode out = JSON.createObjectNode().put("Id", st.id).put("Status", st.status).put("Database", st.database);
        putIf(out, "Error", st.error);
        put(out, "CreatedAt", st.createdAt);
        put(out, "UpdatedAt", st.updatedAt);
        out.put("Duration", st.durationNanos);
        out.put("RedshiftPid", st.pid);
        putIf(out, "ClusterIdentifier", st.clusterId);
        putIf(out, "WorkgroupName", st.workgroup);
        putIf(out, "SecretArn", st.secretArn);
        putIf(out, "DbUser", st.dbUser);
        if (!st.batch) {
            RunningStatement.Sub s = st.subs.getFirst();
            out.put("QueryString", s.sql).put("HasResultSet", s.result != null).put("ResultRows", s.resultRows)
                    .put("ResultSize", 0).put("RedshiftQueryId", st.reportedQueryId(s));
            ArrayNode qp = out.putArray("QueryParameters");
            st.parameters.forEach((k, v) -> qp.addObject().put("name", k).put("value", v));
        } else {
            out.put("HasResultSet", false).put("RedshiftQueryId", 0);
            ArrayNode subs = out.putArray("SubStatements");
            for (int i = 0; i < st.subs.size(); i++) {
                RunningStatement.Sub s = st.subs.get(i);
                ObjectNode o = subs.addObject().put("Id", st.id + ":" + (i + 1)).put("Status", s.status)
                        .put("QueryString", s.sql).put("HasResultSet", s.result != null).put("ResultRows", s.resultRows)
                        .put("ResultSize", 0).put("RedshiftQueryId", st.reportedQueryId(s)).put("Duration", s.durationNanos);
                putIf(o, "Error", s.error);
                put(o, "CreatedAt", s.createdAt);
                put(o, "UpdatedAt", s.updatedAt);
            }
        }
        return out;
    }

    private ObjectNode result(JsonNode in) {
        String id = text(in, "Id");
        RunningStatement.Sub sub;
        RunningStatement st;
        int colon = id == null ? -1 : id.lastIndexOf(':');
        if (colon > 0) {
            st = find(id.substring(0, colon));
            int n;
            try {
                n = Integer.parseInt(id.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw ApiException.notFound("Query " + id + " does not exist");
            }
            if (!st.batch || n < 1 || n > st.subs.size()) {
                throw ApiException.notFound("Query " + id + " does not exist");
            }
            sub = st.subs.get(n - 1);
        } else {
            st = find(id);
            if (st.batch) {
                throw ApiException.validation("Query does not have result. Use the Id of a sub-statement (Id:n) of a batch");
            }
            sub = st.subs.getFirst();
        }
        if (!"FINISHED".equals(sub.status)) {
            throw ApiException.validation("Query has not finished: its status is " + sub.status);
        }
        if (sub.result == null) {
            throw ApiException.validation("Query does not have result. Please check query status with DescribeStatement.");
        }
        ObjectNode out = JSON.createObjectNode();
        ArrayNode meta = out.putArray("ColumnMetadata");
        for (RunningStatement.Column c : sub.result.columns()) {
            meta.addObject().put("name", c.name()).put("label", c.name()).put("typeName", c.typeName());
        }
        List<List<Object>> all = sub.result.rows();
        int from = offset(text(in, "NextToken"), id, all.size());
        int to = Math.min(all.size(), from + pageRows);
        ArrayNode records = out.putArray("Records");
        for (List<Object> row : all.subList(from, to)) {
            ArrayNode r = records.addArray();
            for (Object v : row) {
                ObjectNode f = r.addObject();
                switch (v) {
                    case null -> f.put("isNull", true);
                    case Long l -> f.put("longValue", l);
                    case Double d -> f.put("doubleValue", d);
                    case Boolean b -> f.put("booleanValue", b);
                    default -> f.put("stringValue", v.toString());
                }
            }
        }
        if (to < all.size()) {
            out.put("NextToken", token(id, to));
        }
        out.put("TotalNumRows", sub.result.rows().size());
        return out;
    }

    /** An opaque NextToken: the statement (or sub-statement) id and the next row's offset. */
    private static String token(String id, int offset) {
        return java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString((id + "@" + offset).getBytes(StandardCharsets.UTF_8));
    }

    /** Where a page starts: 0 without a token; a token of another statement or unreadable is refused. */
    private static int offset(String token, String id, int rows) {
        if (token == null) {
            return 0;
        }
        try {
            String plain = new String(java.util.Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            int at = plain.lastIndexOf('@');
            if (at > 0 && plain.substring(0, at).equals(id)) {
                int offset = Integer.parseInt(plain.substring(at + 1));
                if (offset > 0 && offset <= rows) {
                    return offset;
                }
            }
        } catch (IllegalArgumentException e) {
            // refused below
        }
        throw ApiException.validation("NextToken is not valid for query " + id);
    }

    private ObjectNode cancel(JsonNode in) {
        RunningStatement st = find(text(in, "Id"));
        if (st.ended()) {
            throw ApiException.validation("Could not cancel a query that is already in " + st.status + " state with ID: " + st.id);
        }
        st.cancelRequested = true;
        java.sql.Statement running = st.running;
        if (running != null) {
            try {
                running.cancel();
            } catch (java.sql.SQLException e) {
                // It ended meanwhile; the runner sees the request at its next step.
            }
        }
        return JSON.createObjectNode().put("Status", true);
    }

    private RunningStatement find(String id) {
        RunningStatement st = id == null ? null : statements.get(id);
        if (st == null) {
            throw ApiException.notFound("Query " + id + " does not exist");
        }
        return st;
    }

    private static String text(JsonNode in, String field) {
        JsonNode v = in == null ? null : in.get(field);
        return v == null || v.isNull() || v.asText().isEmpty() ? null : v.asText();
    }

    private static void putIf(ObjectNode o, String field, String value) {
        if (value != null) {
            o.put(field, value);
        }
    }

    /** Timestamps in AWS JSON 1.1 are epoch seconds. */
    private static void put(ObjectNode o, String field, Instant at) {
        o.put(field, at.toEpochMilli() / 1000.0);
    }
}
