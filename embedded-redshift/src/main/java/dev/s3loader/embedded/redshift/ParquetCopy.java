package dev.s3loader.embedded.redshift;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import org.postgresql.PGConnection;
import org.postgresql.util.PSQLException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * One file of a {@code COPY ... FORMAT AS PARQUET}, as Redshift loads it (copy-usage_notes-copy-from-columnar):
 * the file's columns go into the table's columns by position, and their counts must match; any
 * error fails the whole COPY (no MAXERROR, no load-error rows for columnar files).
 */
final class ParquetCopy {
    private ParquetCopy() {
    }

    static long load(Connection c, CopyCommand cmd, ColumnarReader reader, S3Client s3, String bucket, String key,
                     String url) throws SQLException {
        if (reader == null) {
            throw new S3Copy.Failed("COPY FORMAT AS PARQUET: this emulator was given no Parquet reader (EmbeddedRedshiftData.parquetReader)");
        }
        byte[] bytes;
        try {
            bytes = s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray();
        } catch (NoSuchKeyException e) {
            throw new S3Copy.Failed("S3ServiceException:The specified key does not exist.,Status 404,Error NoSuchKey Details: '" + url + "'");
        }
        ColumnarReader.Table table;
        try {
            table = reader.read(bytes);
        } catch (IOException | RuntimeException e) {
            throw new S3Copy.Failed("Spectrum Scan Error: File '" + url + "' has an invalid version number or is not a Parquet file: "
                    + e.getMessage());
        }
        int columns = cmd.columns().isEmpty() ? tableColumns(c, cmd.table()) : cmd.columns().size();
        if (table.columns().size() != columns) {
            throw new S3Copy.Failed("Spectrum Scan Error: the file " + url + " has " + table.columns().size()
                    + " columns, the target table " + columns + ": COPY from columnar data maps columns by position "
                    + "and their number must match");
        }
        StringBuilder csv = new StringBuilder();
        for (List<String> row : table.rows()) {
            for (int i = 0; i < row.size(); i++) {
                if (i > 0) {
                    csv.append(',');
                }
                String v = row.get(i);
                if (v != null) {
                    csv.append('"').append(v.replace("\"", "\"\"")).append('"');
                }
            }
            csv.append('\n');
        }
        String sql = "COPY " + cmd.table() + (cmd.columns().isEmpty() ? "" : " (" + String.join(", ", cmd.columns()) + ")")
                + " FROM STDIN WITH (FORMAT csv)";
        try {
            return c.unwrap(PGConnection.class).getCopyAPI().copyIn(sql,
                    new ByteArrayInputStream(csv.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (PSQLException e) {
            String m = e.getServerErrorMessage() == null ? e.getMessage() : e.getServerErrorMessage().getMessage();
            throw new S3Copy.Failed("Spectrum Scan Error: " + m + " (file " + url + ")");
        } catch (IOException e) {
            throw new S3Copy.Failed("read error: " + e.getMessage());
        }
    }

    private static int tableColumns(Connection c, String table) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("SELECT count(*) FROM pg_catalog.pg_attribute a WHERE a.attrelid = "
                + "CAST(? AS regclass) AND a.attnum > 0 AND NOT a.attisdropped")) {
            p.setString(1, table);
            try (ResultSet rs = p.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }
}
