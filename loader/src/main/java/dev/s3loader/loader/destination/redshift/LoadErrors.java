package dev.s3loader.loader.destination.redshift;

import dev.s3loader.loader.destination.LoadResult;
import dev.s3loader.model.FileMessage;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.redshiftdata.model.SubStatementData;

/**
 * Finds which files a failed COPY rejected: on a provisioned cluster from STL_LOAD_ERRORS by the
 * STL query id DescribeStatement reports; on Serverless from SYS_LOAD_ERROR_DETAIL by the query_id
 * SYS_QUERY_HISTORY gives the batch's session (the two ids differ, SYS_QUERY_HISTORY says); else,
 * on both, from SYS_LOAD_ERROR_DETAIL by file name (the staging copy's URL, always short enough
 * for the view's 256 characters) since the COPY started.
 * The view can lag the failure by a moment, so it is read a few times. An empty answer (the row
 * never came) leaves the caller to find the file by bisection.
 */
final class LoadErrors {
    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .withZone(ZoneOffset.UTC);
    /** Past this the file-name query would get long; bisection finds the file instead. */
    private static final int MAX_NAMED_FILES = 100;

    private final DataApi api;
    private final Duration queryTimeout;
    private final Duration pause;
    /** A provisioned cluster has STL_LOAD_ERRORS, keyed by the id DescribeStatement reports; Serverless has not. */
    private final boolean provisioned;

    LoadErrors(DataApi api, boolean provisioned, Duration queryTimeout, Duration pause) {
        this.api = api;
        this.provisioned = provisioned;
        this.queryTimeout = queryTimeout;
        this.pause = pause;
    }

    /**
     * @param pid   the session the batch ran in (DescribeStatement's RedshiftPid)
     * @param byUrl the files of the failed COPY by the URL its manifest named them with (their staging copies)
     */
    Map<FileMessage, LoadResult.Rejected> find(SubStatementData copy, Long pid, Map<String, FileMessage> byUrl) {
        for (int attempt = 0; attempt < 3; attempt++) {
            if (attempt > 0) {
                sleep();
            }
            List<List<String>> rows = new java.util.ArrayList<>();
            if (provisioned) {
                if (copy.redshiftQueryId() != null && copy.redshiftQueryId() > 0) {
                    rows.addAll(api.query(RedshiftSql.loadErrorsByStlQuery(),
                            Map.of("query", Long.toString(copy.redshiftQueryId())), queryTimeout));
                }
            } else if (pid != null && pid > 0 && copy.createdAt() != null) {
                rows.addAll(api.query(RedshiftSql.loadErrorsBySession(), Map.of("pid", Long.toString(pid),
                        "since", TIMESTAMP.format(copy.createdAt().minusSeconds(5))), queryTimeout));
            }
            Map<FileMessage, LoadResult.Rejected> found = rejected(rows, byUrl);
            if (found.isEmpty() && byUrl.size() <= MAX_NAMED_FILES && copy.createdAt() != null) {
                Map<String, String> p = new LinkedHashMap<>();
                p.put("since", TIMESTAMP.format(copy.createdAt().minusSeconds(5)));
                int i = 0;
                for (String url : byUrl.keySet()) {
                    p.put("f" + i++, url);
                }
                List<List<String>> byName = api.query(RedshiftSql.loadErrorsByFiles(byUrl.size()), p, queryTimeout);
                rows.addAll(byName);
                found = rejected(byName, byUrl);
            }
            if (!found.isEmpty() || !rows.isEmpty()) {
                // Rows that name none of our files (a path cut at 256 characters): waiting will not help.
                return found;
            }
        }
        return Map.of();
    }

    /** The first error row of each of our files: file_name, line_number, column_name, error_code, error_message. */
    private static Map<FileMessage, LoadResult.Rejected> rejected(List<List<String>> rows, Map<String, FileMessage> byUrl) {
        Map<FileMessage, LoadResult.Rejected> out = new LinkedHashMap<>();
        for (List<String> row : rows) {
            FileMessage f = byUrl.get(row.get(0));
            if (f == null || out.containsKey(f)) {
                continue;
            }
            Map<String, String> detail = new LinkedHashMap<>();
            put(detail, "line", row.get(1));
            put(detail, "column", row.get(2));
            put(detail, "errorCode", row.get(3));
            put(detail, "error", row.get(4));
            StringBuilder reason = new StringBuilder("rejected by Redshift COPY");
            if (detail.containsKey("line")) {
                reason.append(" at line ").append(detail.get("line"));
            }
            if (detail.containsKey("column")) {
                reason.append(", column ").append(detail.get("column"));
            }
            reason.append(": ").append(detail.getOrDefault("error", "load error"));
            out.put(f, new LoadResult.Rejected(f, reason.toString(), detail));
        }
        return out;
    }

    private static void put(Map<String, String> detail, String name, String value) {
        if (value != null && !value.isBlank()) {
            detail.put(name, value.strip());
        }
    }

    private void sleep() {
        try {
            Thread.sleep(pause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new dev.s3loader.loader.LoaderException("interrupted", e);
        }
    }

    static String timestamp(Instant i) {
        return TIMESTAMP.format(i);
    }
}
