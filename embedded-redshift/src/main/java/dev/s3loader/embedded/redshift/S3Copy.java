package dev.s3loader.embedded.redshift;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.s3loader.clients.S3Objects;
import dev.s3loader.model.PostgresLiteral;
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
    private volatile EmbeddedRedshiftData.LoadErrorRows loadErrorRows = EmbeddedRedshiftData.LoadErrorRows.BY_QUERY_ID;

    S3Copy(S3Client s3, Function<String, DataSource> databases) {
        this.s3 = s3;
        this.databases = databases;
    }

    void loadErrorRows(EmbeddedRedshiftData.LoadErrorRows rows) {
        this.loadErrorRows = rows;
    }

    /** Buckets whose objects are SSE-KMS encrypted, by key ARN; and the (role, key) pairs allowed kms:Decrypt. */
    private final Map<String, String> kmsKeys = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Set<String> decryptGrants = java.util.concurrent.ConcurrentHashMap.newKeySet();

    void kmsEncrypted(String bucket, String keyArn, java.util.Set<String> rolesAllowedToDecrypt) {
        kmsKeys.put(bucket, keyArn);
        rolesAllowedToDecrypt.forEach(r -> decryptGrants.add(r + " " + keyArn));
    }

    void notEncrypted(String bucket) {
        kmsKeys.remove(bucket);
    }

    /** Buckets in another region than the emulated cluster's ({@link EmbeddedRedshiftData#REGION}). */
    private final Map<String, String> bucketRegions = new java.util.concurrent.ConcurrentHashMap<>();

    void bucketRegion(String bucket, String region) {
        if (region.equals(EmbeddedRedshiftData.REGION.id())) {
            bucketRegions.remove(bucket);
        } else {
            bucketRegions.put(bucket, region);
        }
    }

    /**
     * copy-parameters-data-source-s3: REGION is required when the bucket is not in the cluster's region;
     * without it (or with another) S3 answers with a redirect and the COPY fails.
     */
    private void checkRegion(CopyCommand cmd, Source s) {
        String region = bucketRegions.get(s.bucket());
        if (region != null && !cmd.region().orElse(EmbeddedRedshiftData.REGION.id()).equals(region)) {
            throw new Failed("S3ServiceException:The bucket you are attempting to access must be addressed using the "
                    + "specified endpoint. Please send all future requests to this endpoint.,Status 301,Error "
                    + "PermanentRedirect,Rid X,ExtRid X,CanRetry 1 Details: error: S3ServiceException code: 8001 "
                    + "context: S3 key being read : " + s.url());
        }
    }

    /**
     * c_loading-encrypted-files: COPY reads SSE-KMS objects with its IAM_ROLE, which needs kms:Decrypt on
     * the bucket's key; without it S3 answers AccessDenied and the COPY fails with S3's error.
     */
    private void checkDecrypt(CopyCommand cmd, Source s) {
        String key = kmsKeys.get(s.bucket());
        if (key != null && !decryptGrants.contains(cmd.iamRole().orElse("") + " " + key)) {
            throw new Failed("S3ServiceException:User: " + cmd.iamRole().orElse("default") + " is not authorized to perform: "
                    + "kms:Decrypt on resource: " + key + " because no identity-based policy allows the kms:Decrypt action,"
                    + "Status 403,Error AccessDenied,Rid X,ExtRid X,CanRetry 1 Details: error: S3ServiceException:Access "
                    + "Denied code: 8001 context: S3 key being read : " + s.url());
        }
    }

    long run(Connection c, CopyCommand cmd, RunningStatement st, RunningStatement.Sub sub) throws SQLException {
        List<Source> sources = cmd.manifest() ? manifest(cmd, cmd.from()) : prefix(cmd, cmd.from());
        List<String> columns = cmd.format() == CopyCommand.Format.JSON && cmd.columns().isEmpty()
                ? tableColumns(c, cmd.table()) : cmd.columns();
        List<Temporal> temporal = temporal(c, cmd);
        long rows = 0;
        for (Source s : sources) {
            rows += load(c, cmd, columns, temporal, s, st, sub);
        }
        return rows;
    }

    /** A DATE or TIMESTAMP column among those a COPY loads: its position in the file's fields and its format. */
    private record Temporal(int field, String column, boolean timestamp, DateTimeFormats.Kind kind) {
    }

    /** The loaded columns whose values COPY reads by DATEFORMAT / TIMEFORMAT and that 'auto' does not cover. */
    private static List<Temporal> temporal(Connection c, CopyCommand cmd) throws SQLException {
        List<String> names = new ArrayList<>();
        List<String> types = new ArrayList<>();
        try (PreparedStatement p = c.prepareStatement("SELECT a.attname, format_type(a.atttypid, a.atttypmod) "
                + "FROM pg_catalog.pg_attribute a WHERE a.attrelid = CAST(? AS regclass) AND a.attnum > 0 "
                + "AND NOT a.attisdropped ORDER BY a.attnum")) {
            p.setString(1, cmd.table());
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    names.add('"' + rs.getString(1).replace("\"", "\"\"") + '"');
                    types.add(rs.getString(2));
                }
            }
        }
        List<String> loaded = cmd.columns().isEmpty() ? names : cmd.columns();
        List<Temporal> out = new ArrayList<>();
        for (int i = 0; i < loaded.size(); i++) {
            int at = names.indexOf(loaded.get(i));
            if (at < 0) {
                continue;
            }
            String type = types.get(at);
            boolean timestamp = type.startsWith("timestamp");
            DateTimeFormats.Kind kind = timestamp ? cmd.timeFormat() : cmd.dateFormat();
            if ((timestamp || type.equals("date")) && kind != DateTimeFormats.Kind.AUTO) {
                String bare = loaded.get(i).substring(1, loaded.get(i).length() - 1).replace("\"\"", "\"");
                out.add(new Temporal(i, bare, timestamp, kind));
            }
        }
        return out;
    }

    private List<Source> manifest(CopyCommand cmd, String url) {
        Source m = source(url);
        checkRegion(cmd, m);
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

    private List<Source> prefix(CopyCommand cmd, String url) {
        Source p = source(url);
        checkRegion(cmd, p);
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
        return S3Objects.exists(s3, s.bucket(), s.key());
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

    /** Reads Parquet for COPY ... FORMAT AS PARQUET; none until a test gives one. */
    private volatile ColumnarReader parquet;

    void parquetReader(ColumnarReader reader) {
        this.parquet = reader;
    }

    private long load(Connection c, CopyCommand cmd, List<String> columns, List<Temporal> temporal, Source s,
                      RunningStatement st, RunningStatement.Sub sub) throws SQLException {
        checkDecrypt(cmd, s);
        if (cmd.format() == CopyCommand.Format.PARQUET) {
            return ParquetCopy.load(c, cmd, parquet, s3, s.bucket(), s.key(), s.url());
        }
        ResponseInputStream<GetObjectResponse> raw;
        try {
            raw = s3.getObject(b -> b.bucket(s.bucket()).key(s.key()));
        } catch (NoSuchKeyException e) {
            throw new Failed("S3ServiceException:The specified key does not exist.,Status 404,Error NoSuchKey "
                    + "Details: '" + s.url() + "'");
        }
        try (InputStream in = cmd.compression() == CopyCommand.Compression.NONE ? raw : new Gunzip(cmd.compression(), raw)) {
            return cmd.format() == CopyCommand.Format.JSON ? json(c, cmd, columns, temporal, in, s, st, sub)
                    : delimited(c, cmd, temporal, in, s, st, sub);
        } catch (Gunzip.Corrupt e) {
            throw decompressionFailed(s, sub, e);
        } catch (IOException e) {
            if (decompression(e) != null) {
                throw decompressionFailed(s, sub, decompression(e));
            }
            throw loadError(st, sub, cmd, s, 0, null, 1015, "read error: " + e.getMessage());
        }
    }

    /**
     * A file COPY cannot decompress is not a load error: Redshift fails the statement with an
     * error of its own (code 9001) whose context names the S3 key being read, and writes no row
     * to STL_LOAD_ERRORS or SYS_LOAD_ERROR_DETAIL. The wording follows what Redshift reports
     * (its documentation gives none): the client can find the file only by the key in the text.
     */
    private static Failed decompressionFailed(Source s, RunningStatement.Sub sub, Gunzip.Corrupt cause) {
        String what = cause.compression == CopyCommand.Compression.GZIP ? "inflate" : "decompress "
                + cause.compression.name() + " data";
        return new Failed("Failed writing body (0 != 65536) Cause: Failed to " + what + ": " + cause.getMessage()
                + " DETAIL: error: Failed to " + what + " code: 9001 context: S3 key being read : " + s.url()
                + " query: " + sub.queryId + " location: table_s3_scanner.cpp");
    }

    private static Gunzip.Corrupt decompression(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof Gunzip.Corrupt c) {
                return c;
            }
        }
        return null;
    }

    /**
     * GZIP, BZIP2 or ZSTD input (copy-parameters-file-compression) whose failures say they are the
     * compression's, wherever a reader wraps them.
     */
    private static final class Gunzip extends java.io.FilterInputStream {
        private final CopyCommand.Compression compression;

        final class Corrupt extends IOException {
            final CopyCommand.Compression compression = Gunzip.this.compression;

            Corrupt(IOException cause) {
                super(cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage(), cause);
            }
        }

        Gunzip(CopyCommand.Compression compression, InputStream raw) throws IOException {
            super(null);
            this.compression = compression;
            try {
                in = switch (compression) {
                    case GZIP -> new GZIPInputStream(raw, 64 * 1024);
                    case BZIP2 -> new org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream(
                            new java.io.BufferedInputStream(raw, 64 * 1024), true);
                    case ZSTD -> new com.github.luben.zstd.ZstdInputStreamNoFinalizer(raw);
                    case NONE -> raw;
                };
            } catch (IOException e) {
                throw new Corrupt(e);
            }
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (Corrupt e) {
                throw e;
            } catch (IOException e) {
                throw new Corrupt(e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (Corrupt e) {
                throw e;
            } catch (IOException e) {
                throw new Corrupt(e);
            }
        }
    }

    private long delimited(Connection c, CopyCommand cmd, List<Temporal> temporal, InputStream raw, Source s,
                           RunningStatement st, RunningStatement.Sub sub) throws SQLException, IOException {
        InputStream in = raw;
        for (int skipped = 0; skipped < cmd.ignoreHeader(); ) {
            int b = in.read();
            if (b < 0) {
                return 0;
            }
            if (b == '\n') {
                skipped++;
            }
        }
        if (!temporal.isEmpty()) {
            in = new java.io.ByteArrayInputStream(readTemporal(cmd, temporal, in.readAllBytes(), s, st, sub));
        }
        String sql = "COPY " + cmd.table() + (cmd.columns().isEmpty() ? "" : " (" + String.join(", ", cmd.columns()) + ")")
                + " FROM STDIN WITH (FORMAT " + (cmd.format() == CopyCommand.Format.CSV ? "csv" : "text")
                + ", DELIMITER " + PostgresLiteral.of(String.valueOf(cmd.delimiter()))
                + (cmd.format() == CopyCommand.Format.CSV ? ", QUOTE " + PostgresLiteral.of(String.valueOf(cmd.quote())) : "")
                + ", NULL " + PostgresLiteral.of(cmd.nullAs()) + ")";
        try {
            return c.unwrap(PGConnection.class).getCopyAPI().copyIn(sql, in, 64 * 1024);
        } catch (PSQLException e) {
            if (decompression(e) != null) {
                throw decompressionFailed(s, sub, decompression(e));
            }
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

    /**
     * The file with its DATE and TIMESTAMP fields read as COPY would read them: a value the format
     * does not accept is a load error at its line and column (codes 1205, 1206); epoch values become
     * timestamps. Bytes are kept as they are (ISO-8859-1 maps each to one char), so invalid UTF-8 still
     * reaches PostgreSQL's check; every other byte of the file is left unchanged, lines included.
     */
    private byte[] readTemporal(CopyCommand cmd, List<Temporal> temporal, byte[] bytes, Source s, RunningStatement st,
                                RunningStatement.Sub sub) {
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        boolean csv = cmd.format() == CopyCommand.Format.CSV;
        char d = cmd.delimiter();
        char q = cmd.quote();
        StringBuilder out = new StringBuilder(text.length() + 64);
        int i = 0;
        int n = text.length();
        long line = 1 + cmd.ignoreHeader();
        while (i < n) {
            long recordLine = line;
            List<int[]> fields = new ArrayList<>();
            int start = i;
            boolean quoted = false;
            int recordEnd = n;
            int next = n;
            for (int j = i; j < n; j++) {
                char ch = text.charAt(j);
                if (csv && ch == q) {
                    if (quoted && j + 1 < n && text.charAt(j + 1) == q) {
                        j++;
                    } else {
                        quoted = !quoted;
                    }
                } else if (!csv && ch == '\\' && j + 1 < n) {
                    j++;
                } else if (ch == '\n') {
                    line++;
                    if (!quoted) {
                        recordEnd = j > i && text.charAt(j - 1) == '\r' ? j - 1 : j;
                        next = j + 1;
                        break;
                    }
                } else if (ch == d && !quoted) {
                    fields.add(new int[] {start, j});
                    start = j + 1;
                }
            }
            fields.add(new int[] {start, recordEnd});
            int copied = i;
            for (Temporal t : temporal) {
                if (t.field() >= fields.size()) {
                    continue;
                }
                int[] f = fields.get(t.field());
                String rawField = text.substring(f[0], f[1]);
                if (!rawField.startsWith(String.valueOf(q)) && rawField.equals(cmd.nullAs())) {
                    continue;
                }
                boolean wasQuoted = csv && rawField.length() >= 2 && rawField.charAt(0) == q
                        && rawField.charAt(rawField.length() - 1) == q;
                String value = wasQuoted ? rawField.substring(1, rawField.length() - 1).replace(q + "" + q, String.valueOf(q))
                        : rawField;
                if (value.isEmpty()) {
                    continue;
                }
                java.util.Optional<String> read = DateTimeFormats.read(t.kind(), t.timestamp(), value);
                if (read.isEmpty()) {
                    throw loadError(st, sub, cmd, s, recordLine, t.column(), DateTimeFormats.code(t.timestamp()),
                            DateTimeFormats.error(t.timestamp(), t.kind()));
                }
                if (!read.get().equals(value)) {
                    out.append(text, copied, f[0]).append(csv ? q + read.get() + q : read.get());
                    copied = f[1];
                }
            }
            out.append(text, copied, next);
            i = next;
        }
        return out.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** JSON 'auto': each object's keys matched to column names; the line reported is the object's last. */
    private long json(Connection c, CopyCommand cmd, List<String> columns, List<Temporal> temporal, InputStream in,
                      Source s, RunningStatement st, RunningStatement.Sub sub) throws SQLException {
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
                    if (decompression(e) != null) {
                        throw decompressionFailed(s, sub, decompression(e));
                    }
                    throw loadError(st, sub, cmd, s, parser.currentLocation().getLineNr(), null, 1224,
                            "Invalid JSON: " + e.getMessage().lines().findFirst().orElse(""));
                }
                long line = parser.currentLocation().getLineNr();
                if (!doc.isObject()) {
                    throw loadError(st, sub, cmd, s, line, null, 1224, "Invalid JSONPath format: not an object");
                }
                ObjectNode object = cmd.jsonIgnoreCase() ? lowerKeys((ObjectNode) doc) : (ObjectNode) doc;
                for (Temporal t : temporal) {
                    JsonNode v = object.get(t.column());
                    if (v == null || v.isNull() || (v.isTextual() && v.textValue().isEmpty())) {
                        continue;
                    }
                    java.util.Optional<String> read = DateTimeFormats.read(t.kind(), t.timestamp(), v.asText());
                    if (read.isEmpty()) {
                        throw loadError(st, sub, cmd, s, line, t.column(), DateTimeFormats.code(t.timestamp()),
                                DateTimeFormats.error(t.timestamp(), t.kind()));
                    }
                    object.put(t.column(), read.get());
                }
                p.setString(1, object.toString());
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
            if (decompression(e) != null) {
                throw decompressionFailed(s, sub, decompression(e));
            }
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
        EmbeddedRedshiftData.LoadErrorRows rows = loadErrorRows;
        if (rows == EmbeddedRedshiftData.LoadErrorRows.WITHHELD) {
            return failed;
        }
        // OTHER_QUERY_ID: the rows sit under ids no client can know (a view that lags or misfiles); only the
        // file name finds them.
        long misfile = rows == EmbeddedRedshiftData.LoadErrorRows.OTHER_QUERY_ID ? 1_000_000 : 0;
        String file = s.url().length() > 256 ? s.url().substring(0, 256) : s.url();
        Timestamp started = Timestamp.valueOf(sub.createdAt.atZone(java.time.ZoneOffset.UTC).toLocalDateTime());
        try (Connection log = databases.apply(st.database).getConnection()) {
            // SYS_QUERY_HISTORY (here: the COPYs that failed) maps the session to the SYS views' query_id.
            try (PreparedStatement q = log.prepareStatement("INSERT INTO public.sys_query_history (user_id, query_id, "
                    + "transaction_id, session_id, database_name, query_type, status, start_time, end_time, error_message, "
                    + "query_text) VALUES (100, ?, ?, ?, ?, 'COPY', 'failed', ?, ?, ?, ?)")) {
                q.setLong(1, sub.sysQueryId);
                q.setLong(2, sub.sysQueryId);
                q.setInt(3, st.pid);
                q.setString(4, st.database);
                q.setTimestamp(5, started);
                q.setTimestamp(6, Timestamp.valueOf(java.time.LocalDateTime.now(java.time.ZoneOffset.UTC)));
                q.setString(7, failed.getMessage());
                q.setString(8, sub.sql.length() > 4000 ? sub.sql.substring(0, 4000) : sub.sql);
                q.executeUpdate();
            }
            // STL_LOAD_ERRORS exists on provisioned clusters only, keyed by STL_QUERY's id (r_STL_LOAD_ERRORS).
            if (st.clusterId != null) {
                try (PreparedStatement q = log.prepareStatement("INSERT INTO public.stl_load_errors (userid, slice, tbl, "
                        + "starttime, session, query, filename, line_number, colname, type, col_length, position, raw_line, "
                        + "raw_field_value, err_code, err_reason) VALUES (100, 0, 0, ?, ?, ?, ?, ?, ?, NULL, NULL, 0, NULL, "
                        + "NULL, ?, ?)")) {
                    q.setTimestamp(1, started);
                    q.setInt(2, st.pid);
                    q.setLong(3, sub.queryId + misfile);
                    q.setString(4, file);
                    q.setLong(5, line);
                    q.setString(6, column);
                    q.setInt(7, errorCode);
                    q.setString(8, text.length() > 100 ? text.substring(0, 100) : text);
                    q.executeUpdate();
                }
            }
            insertLoadErrorDetail(log, st, sub.sysQueryId + misfile, started, file, line, column, errorCode, text);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot record a load error", e);
        }
        return failed;
    }

    /** SYS_LOAD_ERROR_DETAIL's row, under the SYS views' query_id. */
    private static void insertLoadErrorDetail(Connection log, RunningStatement st, long queryId, Timestamp started,
                                              String file, long line, String column, int errorCode, String text)
            throws SQLException {
        try (PreparedStatement p = log.prepareStatement("INSERT INTO public.sys_load_error_detail (user_id, query_id, "
                + "transaction_id, session_id, database_name, table_id, start_time, file_name, line_number, "
                + "column_name, column_type, column_length, position, error_code, error_message) "
                + "VALUES (100, ?, ?, ?, ?, 0, ?, ?, ?, ?, NULL, NULL, 0, ?, ?)")) {
            p.setLong(1, queryId);
            p.setLong(2, queryId);
            p.setInt(3, st.pid);
            p.setString(4, st.database);
            p.setTimestamp(5, started);
            // file_name is character(256) in Redshift: a longer path is cut, so it may match no file.
            p.setString(6, file);
            p.setLong(7, line);
            p.setString(8, column);
            p.setInt(9, errorCode);
            p.setString(10, text);
            p.executeUpdate();
        }
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
}
