package dev.s3loader.embedded.redshift;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.EncodingType;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Runs a Redshift COPY on PostgreSQL: reads the manifest (or lists the prefix) on the local S3
 * server, fetches each entry by its URL exactly as written (an encoded key is simply another,
 * missing, key), and streams each file into PostgreSQL's COPY in the statement's transaction.
 * A bad row stops the COPY, as with MAXERROR 0: its file, line and column go to
 * {@code sys_load_error_detail} (outside the transaction, so they survive the rollback) and the
 * statement fails with Redshift's "Load into table ... failed" message.
 */
final class S3Copy {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern CONTEXT = Pattern.compile("line (\\d+)(?:, column ([^:]+))?");

    /** The statement fails with this message. */
    static final class Failed extends RuntimeException {
        Failed(String message) {
            super(message);
        }
    }

    private record Source(String url, String bucket, String key) {
    }

    private final S3Client s3;
    private final Function<String, DataSource> databases;
    private volatile LocalRedshiftData.LoadErrorRows loadErrorRows = LocalRedshiftData.LoadErrorRows.BY_QUERY_ID;

    S3Copy(S3Client s3, Function<String, DataSource> databases) {
        this.s3 = s3;
        this.databases = databases;
    }

    void loadErrorRows(LocalRedshiftData.LoadErrorRows rows) {
        this.loadErrorRows = rows;
    }

    long run(Connection c, CopyCommand cmd, RunningStatement st, RunningStatement.Sub sub) throws SQLException {
        List<Source> sources = cmd.manifest() ? manifest(cmd.from()) : prefix(cmd.from());
        List<String> columns = cmd.format() == CopyCommand.Format.JSON && cmd.columns().isEmpty()
                ? tableColumns(c, cmd.table()) : cmd.columns();
        long rows = 0;
        for (Source s : sources) {
            rows += load(c, cmd, columns, s, st, sub);
        }
        return rows;
    }

    private List<Source> manifest(String url) {
        Source m = source(url);
        JsonNode root;
        try (InputStream in = s3.getObject(b -> b.bucket(m.bucket()).key(m.key()))) {
            root = JSON.readTree(in);
        } catch (NoSuchKeyException e) {
            throw new Failed("Manifest file '" + url + "' does not exist (S3ServiceException: The specified key does not exist, Status 404)");
        } catch (JsonProcessingException e) {
            throw new Failed("Manifest file is not in correct json format");
        } catch (IOException e) {
            throw new Failed("Problem reading manifest file - " + e.getMessage());
        }
        JsonNode entries = root == null ? null : root.get("entries");
        if (entries == null || !entries.isArray()) {
            throw new Failed("Manifest file is not in correct json format: no \"entries\" array");
        }
        List<Source> out = new ArrayList<>();
        for (JsonNode e : entries) {
            JsonNode u = e.get("url");
            if (u == null || !u.isTextual() || !u.textValue().startsWith("s3://")) {
                throw new Failed("Manifest file is not in correct json format: entry without an s3:// url");
            }
            Source s = source(u.textValue());
            boolean mandatory = e.path("mandatory").asBoolean(false);
            if (exists(s)) {
                out.add(s);
            } else if (mandatory) {
                throw new Failed("S3ServiceException:The specified key does not exist.,Status 404,Error NoSuchKey "
                        + "Details: mandatory manifest entry '" + s.url() + "' was not found");
            }
        }
        return out;
    }

    private List<Source> prefix(String url) {
        Source p = source(url);
        List<Source> out = new ArrayList<>();
        for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(p.bucket()).prefix(p.key())
                .encodingType(EncodingType.URL)).contents()) {
            out.add(new Source("s3://" + p.bucket() + "/" + o.key(), p.bucket(), o.key()));
        }
        if (out.isEmpty()) {
            throw new Failed("The specified S3 prefix '" + p.key() + "' does not exist");
        }
        return out;
    }

    private boolean exists(Source s) {
        try {
            s3.headObject(b -> b.bucket(s.bucket()).key(s.key()));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw e;
        }
    }

    /** {@code s3://bucket/key}: no decoding, as Redshift does it. */
    private static Source source(String url) {
        String rest = url.substring("s3://".length());
        int slash = rest.indexOf('/');
        if (slash <= 0) {
            throw new Failed("Invalid S3 URL '" + url + "'");
        }
        return new Source(url, rest.substring(0, slash), rest.substring(slash + 1));
    }

    private long load(Connection c, CopyCommand cmd, List<String> columns, Source s, RunningStatement st,
                      RunningStatement.Sub sub) throws SQLException {
        ResponseInputStream<GetObjectResponse> raw;
        try {
            raw = s3.getObject(b -> b.bucket(s.bucket()).key(s.key()));
        } catch (NoSuchKeyException e) {
            throw new Failed("S3ServiceException:The specified key does not exist.,Status 404,Error NoSuchKey "
                    + "Details: '" + s.url() + "'");
        }
        try (InputStream in = cmd.gzip() ? new GZIPInputStream(raw, 64 * 1024) : raw) {
            return cmd.format() == CopyCommand.Format.JSON ? json(c, cmd, columns, in, s, st, sub)
                    : delimited(c, cmd, in, s, st, sub);
        } catch (IOException e) {
            throw loadError(st, sub, cmd, s, 0, null, 1015, (cmd.gzip() ? "gzip: " : "read error: ") + e.getMessage());
        }
    }

    private long delimited(Connection c, CopyCommand cmd, InputStream in, Source s, RunningStatement st,
                           RunningStatement.Sub sub) throws SQLException, IOException {
        for (int skipped = 0; skipped < cmd.ignoreHeader(); ) {
            int b = in.read();
            if (b < 0) {
                return 0;
            }
            if (b == '\n') {
                skipped++;
            }
        }
        String sql = "COPY " + cmd.table() + (cmd.columns().isEmpty() ? "" : " (" + String.join(", ", cmd.columns()) + ")")
                + " FROM STDIN WITH (FORMAT " + (cmd.format() == CopyCommand.Format.CSV ? "csv" : "text")
                + ", DELIMITER " + literal(String.valueOf(cmd.delimiter()))
                + (cmd.format() == CopyCommand.Format.CSV ? ", QUOTE " + literal(String.valueOf(cmd.quote())) : "")
                + ", NULL " + literal(cmd.nullAs()) + ")";
        try {
            return c.unwrap(PGConnection.class).getCopyAPI().copyIn(sql, in, 64 * 1024);
        } catch (PSQLException e) {
            if (!dataError(e)) {
                throw e;
            }
            ServerErrorMessage m = e.getServerErrorMessage();
            long line = 0;
            String column = m == null ? null : m.getColumn();
            java.util.Optional<RedshiftDdl.TooLong> tooLong = RedshiftDdl.tooLong(m == null ? null : m.getConstraint());
            if (tooLong.isPresent()) {
                column = tooLong.get().column();
            }
            if (m != null && m.getWhere() != null) {
                Matcher x = CONTEXT.matcher(m.getWhere());
                if (x.find()) {
                    line = Long.parseLong(x.group(1)) + cmd.ignoreHeader();
                    if (x.group(2) != null) {
                        column = x.group(2).trim();
                    }
                }
            }
            if (tooLong.isPresent()) {
                throw loadError(st, sub, cmd, s, line, column, 1204, "String length exceeds DDL length");
            }
            throw loadError(st, sub, cmd, s, line, column, code(e.getSQLState()), m == null ? e.getMessage() : m.getMessage());
        }
    }

    /** JSON 'auto': each object's keys matched to column names; the line reported is the object's last. */
    private long json(Connection c, CopyCommand cmd, List<String> columns, InputStream in, Source s, RunningStatement st,
                      RunningStatement.Sub sub) throws SQLException {
        String sql = "INSERT INTO " + cmd.table() + " (" + String.join(", ", columns) + ") SELECT "
                + String.join(", ", columns.stream().map(col -> "r." + col).toList())
                + " FROM jsonb_populate_record(CAST(NULL AS " + cmd.table() + "), CAST(? AS jsonb)) r";
        long rows = 0;
        Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8);
        try (PreparedStatement p = c.prepareStatement(sql);
             JsonParser parser = JSON.createParser(reader);
             MappingIterator<JsonNode> it = JSON.readValues(parser, JsonNode.class)) {
            while (true) {
                JsonNode doc;
                try {
                    if (!it.hasNextValue()) {
                        break;
                    }
                    doc = it.nextValue();
                } catch (IOException | RuntimeException e) {
                    throw loadError(st, sub, cmd, s, parser.currentLocation().getLineNr(), null, 1224,
                            "Invalid JSON: " + e.getMessage().lines().findFirst().orElse(""));
                }
                long line = parser.currentLocation().getLineNr();
                if (!doc.isObject()) {
                    throw loadError(st, sub, cmd, s, line, null, 1224, "Invalid JSONPath format: not an object");
                }
                p.setString(1, (cmd.jsonIgnoreCase() ? lowerKeys((ObjectNode) doc) : doc).toString());
                try {
                    p.executeUpdate();
                } catch (PSQLException e) {
                    if (!dataError(e)) {
                        throw e;
                    }
                    ServerErrorMessage m = e.getServerErrorMessage();
                    java.util.Optional<RedshiftDdl.TooLong> tooLong = RedshiftDdl.tooLong(m == null ? null : m.getConstraint());
                    if (tooLong.isPresent()) {
                        throw loadError(st, sub, cmd, s, line, tooLong.get().column(), 1204, "String length exceeds DDL length");
                    }
                    throw loadError(st, sub, cmd, s, line, m == null ? null : m.getColumn(), code(e.getSQLState()),
                            m == null ? e.getMessage() : m.getMessage());
                }
                rows++;
            }
        } catch (IOException e) {
            throw loadError(st, sub, cmd, s, 0, null, 1224, "Invalid JSON: " + e.getMessage());
        }
        return rows;
    }

    private static ObjectNode lowerKeys(ObjectNode doc) {
        ObjectNode out = JSON.createObjectNode();
        for (Map.Entry<String, JsonNode> e : doc.properties()) {
            out.set(e.getKey().toLowerCase(Locale.ROOT), e.getValue());
        }
        return out;
    }

    /** Records the error where SYS_LOAD_ERROR_DETAIL would show it, on its own connection, and fails the COPY. */
    private Failed loadError(RunningStatement st, RunningStatement.Sub sub, CopyCommand cmd, Source s, long line,
                             String column, int errorCode, String message) {
        String text = message.length() > 512 ? message.substring(0, 512) : message;
        Failed failed = new Failed("Load into table '" + cmd.tableName() + "' failed. Check 'sys_load_error_detail' system table for details.");
        LocalRedshiftData.LoadErrorRows rows = loadErrorRows;
        if (rows == LocalRedshiftData.LoadErrorRows.WITHHELD) {
            return failed;
        }
        // Redshift's query ids in the view need not be the one DescribeStatement reported.
        long queryId = rows == LocalRedshiftData.LoadErrorRows.OTHER_QUERY_ID ? sub.queryId + 1_000_000 : sub.queryId;
        try (Connection log = databases.apply(st.database).getConnection();
             PreparedStatement p = log.prepareStatement("INSERT INTO public.sys_load_error_detail (user_id, query_id, "
                     + "transaction_id, session_id, database_name, table_id, start_time, file_name, line_number, "
                     + "column_name, column_type, column_length, position, error_code, error_message) "
                     + "VALUES (100, ?, ?, ?, ?, 0, ?, ?, ?, ?, NULL, NULL, 0, ?, ?)")) {
            p.setLong(1, queryId);
            p.setLong(2, queryId);
            p.setInt(3, st.pid);
            p.setString(4, st.database);
            p.setTimestamp(5, Timestamp.valueOf(sub.createdAt.atZone(java.time.ZoneOffset.UTC).toLocalDateTime()));
            // file_name is character(256) in Redshift: a longer path is cut, so it may match no file.
            p.setString(6, s.url().length() > 256 ? s.url().substring(0, 256) : s.url());
            p.setLong(7, line);
            p.setString(8, column);
            p.setInt(9, errorCode);
            p.setString(10, text);
            p.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot record a load error", e);
        }
        return failed;
    }

    private static List<String> tableColumns(Connection c, String table) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement p = c.prepareStatement("SELECT a.attname FROM pg_catalog.pg_attribute a "
                + "WHERE a.attrelid = CAST(? AS regclass) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum")) {
            p.setString(1, table);
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    out.add('"' + rs.getString(1).replace("\"", "\"\"") + '"');
                }
            }
        }
        return out;
    }

    private static boolean dataError(SQLException e) {
        String s = e.getSQLState();
        return s != null && (s.startsWith("22") || s.startsWith("23") || s.startsWith("54"));
    }

    /** Redshift's load error codes (STL_LOAD_ERRORS reference) for the PostgreSQL errors that match them. */
    private static int code(String sqlState) {
        return switch (sqlState) {
            case "22P02" -> 1207; // invalid digit
            case "22P04" -> 1214; // delimiter not found / extra column
            case "22001" -> 1204; // string longer than the column
            case "23502" -> 1213; // missing data for a NOT NULL column
            case "22007", "22008" -> 1205; // bad date or time
            case "22003" -> 1216; // numeric overflow
            case "22021" -> 1220; // invalid UTF-8
            default -> 1200;
        };
    }

    private static String literal(String v) {
        StringBuilder b = new StringBuilder("E'");
        for (char ch : v.toCharArray()) {
            switch (ch) {
                case '\\' -> b.append("\\\\");
                case '\'' -> b.append("\\'");
                case '\t' -> b.append("\\t");
                default -> b.append(ch);
            }
        }
        return b.append('\'').toString();
    }
}
