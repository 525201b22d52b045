package dev.s3loader.loader.destination.postgres;

import dev.s3loader.loader.format.parquet.ParquetRows;
import dev.s3loader.loader.format.parquet.ParquetValues;
import dev.s3loader.loader.format.parquet.ParquetValues.Kind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import dev.s3loader.model.ColumnMatch;
import dev.s3loader.model.ExtraColumns;
import java.util.Optional;
import java.util.Set;
import org.apache.parquet.schema.LogicalTypeAnnotation.DecimalLogicalTypeAnnotation;
import org.apache.parquet.schema.Type;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * A Parquet file into the table through COPY: its fields are matched to the table's columns by
 * name (exactly, else ignoring case), each value is written as the CSV text PostgreSQL parses for
 * the column's type, one row group in memory at a time. A column the file lacks loads its default
 * (NULL); a field the table lacks is not read. A field whose type the column cannot hold, or a
 * NOT NULL column without a default that the file lacks, rejects the file before any row is sent,
 * naming the column and both types.
 */
final class ParquetCopy {
    /** A table column: its name, base type name (a domain's underlying type), and whether a missing value is an error. */
    record Column(String name, String type, boolean array, boolean required) {
    }

    /** The file cannot load into the table; why, and the detail for the error report. */
    record Mismatch(String reason, Map<String, String> detail) {
    }

    private final Connection c;
    private final String table;
    private final List<String> columns;
    /** EXTRA_COLUMNS: a field the table lacks fails the file, as a CSV header's or a JSON key does ({@link ColumnMatch}). */
    private final ExtraColumns extras;
    private List<Column> described;

    ParquetCopy(Connection c, String table, List<String> columns, ExtraColumns extras) {
        this.c = c;
        this.table = table;
        this.columns = columns;
        this.extras = extras;
    }

    /** What a column's type is, for the Parquet kinds it takes. */
    enum Target {
        TEXT, JSON, BOOL, INT, NUMBER, DATE, TIMESTAMP, TIME, BYTEA, UUID, OTHER;

        static Target of(Column c) {
            if (c.array()) {
                return OTHER;
            }
            return switch (c.type()) {
                case "text", "varchar", "bpchar", "name", "citext" -> TEXT;
                case "json", "jsonb" -> JSON;
                case "bool" -> BOOL;
                case "int2", "int4", "int8" -> INT;
                case "numeric", "float4", "float8" -> NUMBER;
                case "date" -> DATE;
                case "timestamp", "timestamptz" -> TIMESTAMP;
                case "time", "timetz" -> TIME;
                case "bytea" -> BYTEA;
                case "uuid" -> UUID;
                default -> OTHER;
            };
        }

        /** The Parquet kinds this column takes; a string is left to PostgreSQL's own parsing of the type. */
        Set<Kind> takes() {
            return switch (this) {
                case TEXT, JSON -> EnumSet.allOf(Kind.class);
                case BOOL -> EnumSet.of(Kind.BOOLEAN, Kind.STRING);
                case INT -> EnumSet.of(Kind.INTEGER, Kind.DECIMAL, Kind.STRING);
                case NUMBER -> EnumSet.of(Kind.INTEGER, Kind.DECIMAL, Kind.FLOAT, Kind.STRING);
                case DATE -> EnumSet.of(Kind.DATE, Kind.STRING);
                case TIMESTAMP -> EnumSet.of(Kind.TIMESTAMP, Kind.TIMESTAMP_UTC, Kind.DATE, Kind.STRING);
                case TIME -> EnumSet.of(Kind.TIME, Kind.STRING);
                case BYTEA -> EnumSet.of(Kind.BINARY, Kind.STRING, Kind.JSON, Kind.UUID);
                case UUID -> EnumSet.of(Kind.UUID, Kind.STRING);
                case OTHER -> EnumSet.of(Kind.STRING);
            };
        }
    }

    /** One field of the file loaded into one column. */
    private record Load(Type field, Column column, Kind kind, Target target) {
        /** The value as CSV field text, or null for NULL. */
        String text(Object v) {
            if (v == null) {
                return null;
            }
            return switch (target) {
                case JSON -> kind == Kind.STRING ? json(ParquetValues.text(field, v)) : ParquetValues.json(field, v);
                case BYTEA -> ParquetValues.hex(v);
                default -> ParquetValues.text(field, v);
            };
        }

        private static String json(String s) {
            // A string into a json column is a JSON string, as a JSON line's string value is.
            return ParquetValues.json(org.apache.parquet.schema.Types.required(
                    org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.BINARY)
                    .as(org.apache.parquet.schema.LogicalTypeAnnotation.stringType()).named("s"),
                    org.apache.parquet.io.api.Binary.fromString(s));
        }

        /** Numbers and booleans never need CSV quotes. */
        boolean quoted() {
            return !(target != Target.JSON && target != Target.TEXT
                    && (kind == Kind.INTEGER || kind == Kind.DECIMAL || kind == Kind.BOOLEAN || kind == Kind.FLOAT));
        }
    }

    /** Loads the file's rows into {@code into}; the number of rows, or why the file cannot load. */
    Result copy(ParquetRows file, String into) throws SQLException, IOException {
        List<Load> loads = new ArrayList<>();
        Optional<Mismatch> mismatch = plan(file.fields(), loads);
        if (mismatch.isPresent()) {
            return new Result(0, mismatch.get());
        }
        String sql = "COPY " + into + " " + PostgresSql.columnList(loads.stream().map(l -> l.column().name()).toList())
                + " FROM STDIN WITH (FORMAT csv)";
        CopyIn copy = c.unwrap(PGConnection.class).getCopyAPI().copyIn(sql);
        try {
            CsvRows out = new CsvRows(copy, loads);
            file.read(loads.stream().map(l -> l.field().getName()).toList(), out::row);
            out.flush();
            return new Result(copy.endCopy(), null);
        } finally {
            if (copy.isActive()) {
                copy.cancelCopy();
            }
        }
    }

    record Result(long rows, Mismatch mismatch) {
    }

    /** An S3 failure somewhere in the causes of what the Parquet reader threw (it wraps some of its reads' errors). */
    static Throwable readFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof dev.s3loader.loader.format.parquet.S3ParquetFile.SourceChanged
                    || t instanceof dev.s3loader.loader.format.parquet.S3ParquetFile.ReadFailed) {
                return t;
            }
        }
        return null;
    }

    private Optional<Mismatch> plan(List<Type> fields, List<Load> loads) throws SQLException {
        List<Column> table = describe();
        ColumnMatch rule = new ColumnMatch(table.stream().map(col -> new ColumnMatch.TableColumn(col.name(), col.required())).toList(),
                true, extras);
        Optional<ColumnMatch.Refusal> unknown = rule.unknown(fields.stream().map(Type::getName).toList());
        if (unknown.isPresent()) {
            Map<String, String> d = new LinkedHashMap<>();
            d.put("column", unknown.get().column());
            return Optional.of(new Mismatch(unknown.get().reason(), d));
        }
        for (Column col : table) {
            Optional<Type> field = match(fields, col.name());
            if (field.isEmpty()) {
                if (col.required()) {
                    return Optional.of(new Mismatch("the file has no field for NOT NULL column " + col.name()
                            + " (" + col.type() + ", no default)", detail(col.name(), null, col)));
                }
                continue;
            }
            Type f = field.get();
            Kind kind = ParquetValues.kind(f);
            Target target = Target.of(col);
            if (!target.takes().contains(kind) || target == Target.INT && kind == Kind.DECIMAL && scale(f) > 0) {
                return Optional.of(new Mismatch("column " + col.name() + ": Parquet field " + f.getName() + " of type "
                        + ParquetValues.describe(f) + " cannot load into PostgreSQL type " + (col.array() ? col.type() + "[]" : col.type()),
                        detail(col.name(), f, col)));
            }
            loads.add(new Load(f, col, kind, target));
        }
        if (loads.isEmpty()) {
            return Optional.of(new Mismatch("no field of the file matches a column of the table (fields: "
                    + String.join(", ", fields.stream().map(Type::getName).toList()) + ")", Map.of()));
        }
        return Optional.empty();
    }

    private static int scale(Type f) {
        return f.getLogicalTypeAnnotation() instanceof DecimalLogicalTypeAnnotation d ? d.getScale() : 0;
    }

    private static Map<String, String> detail(String column, Type field, Column col) {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("column", column);
        d.put("columnType", col.array() ? col.type() + "[]" : col.type());
        d.put("parquetType", field == null ? "(missing)" : ParquetValues.describe(field));
        return d;
    }

    /** The field named like the column: the same name, else the one name equal ignoring case. */
    static Optional<Type> match(List<Type> fields, String column) {
        for (Type f : fields) {
            if (f.getName().equals(column)) {
                return Optional.of(f);
            }
        }
        List<Type> folded = fields.stream().filter(f -> f.getName().toLowerCase(Locale.ROOT).equals(column.toLowerCase(Locale.ROOT))).toList();
        return folded.size() == 1 ? Optional.of(folded.getFirst()) : Optional.empty();
    }

    /** The loaded columns' types, read once per batch. */
    private List<Column> describe() throws SQLException {
        if (described != null) {
            return described;
        }
        Map<String, Column> all = new LinkedHashMap<>();
        try (PreparedStatement p = c.prepareStatement("SELECT a.attname, "
                + "CASE WHEN t.typtype = 'd' THEN bt.typname ELSE t.typname END, "
                + "(CASE WHEN t.typtype = 'd' THEN bt.typcategory ELSE t.typcategory END) = 'A', "
                + "a.attnotnull AND NOT a.atthasdef AND a.attidentity = '' "
                + "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
                + "LEFT JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype "
                + "WHERE a.attrelid = CAST(? AS regclass) AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' "
                + "ORDER BY a.attnum")) {
            p.setString(1, table);
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    String type = rs.getString(2);
                    boolean array = rs.getBoolean(3);
                    all.put(rs.getString(1), new Column(rs.getString(1), array && type.startsWith("_") ? type.substring(1) : type,
                            array, rs.getBoolean(4)));
                }
            }
        }
        List<Column> out = new ArrayList<>();
        for (String name : columns) {
            Column col = all.get(name);
            out.add(col != null ? col : new Column(name, "unknown", false, false));
        }
        described = List.copyOf(out);
        return described;
    }

    /** Rows as CSV into the COPY, in 64 KiB writes. */
    private static final class CsvRows {
        private final CopyIn copy;
        private final Load[] loads;
        private final StringBuilder line = new StringBuilder(256);
        private final byte[] buffer = new byte[64 * 1024];
        private int used;

        CsvRows(CopyIn copy, List<Load> loads) {
            this.copy = copy;
            this.loads = loads.toArray(Load[]::new);
        }

        void row(Object[] values) throws IOException {
            line.setLength(0);
            for (int i = 0; i < loads.length; i++) {
                if (i > 0) {
                    line.append(',');
                }
                String s = loads[i].text(values[i]);
                if (s == null) {
                    continue; // an unquoted empty field is NULL
                }
                if (loads[i].quoted()) {
                    line.append('"');
                    for (int k = 0; k < s.length(); k++) {
                        char ch = s.charAt(k);
                        if (ch == '"') {
                            line.append('"');
                        }
                        line.append(ch);
                    }
                    line.append('"');
                } else {
                    line.append(s);
                }
            }
            line.append('\n');
            byte[] bytes = line.toString().getBytes(StandardCharsets.UTF_8);
            if (used + bytes.length > buffer.length) {
                flush();
            }
            if (bytes.length > buffer.length) {
                write(bytes, bytes.length);
            } else {
                System.arraycopy(bytes, 0, buffer, used, bytes.length);
                used += bytes.length;
            }
        }

        void flush() throws IOException {
            if (used > 0) {
                write(buffer, used);
                used = 0;
            }
        }

        private void write(byte[] b, int n) throws IOException {
            try {
                copy.writeToCopy(b, 0, n);
            } catch (SQLException e) {
                throw new CopyRefused(e);
            }
        }
    }

    /** The server refused the COPY's data while it was written: carried out of the row loop, then rethrown as what it is. */
    static final class CopyRefused extends IOException {
        CopyRefused(SQLException cause) {
            super(cause.getMessage(), cause);
        }

        SQLException sql() {
            return (SQLException) getCause();
        }
    }
}
