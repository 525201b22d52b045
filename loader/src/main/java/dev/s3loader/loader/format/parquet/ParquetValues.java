package dev.s3loader.loader.format.parquet;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.DateLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.DecimalLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.IntLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.ListLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.MapLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.TimeLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.TimeUnit;
import org.apache.parquet.schema.LogicalTypeAnnotation.TimestampLogicalTypeAnnotation;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;

/**
 * What a Parquet field holds ({@link Kind}) and its values as text: the text a database parses
 * for a scalar column ({@link #text}), and JSON for a nested one or a json column ({@link #json}).
 */
public final class ParquetValues {
    private static final HexFormat HEX = HexFormat.of();
    /** INT96 timestamps count days from the Julian day 0; the epoch is Julian day 2440588. */
    private static final long JULIAN_EPOCH_DAY = 2_440_588L;

    private ParquetValues() {
    }

    /** A field's meaning, as far as loading it into a column goes. */
    public enum Kind {
        BOOLEAN, INTEGER, DECIMAL, FLOAT, STRING, JSON, DATE, TIME, TIMESTAMP, TIMESTAMP_UTC, BINARY, UUID, NESTED;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public static Kind kind(Type t) {
        if (!t.isPrimitive() || t.isRepetition(Type.Repetition.REPEATED)) {
            return Kind.NESTED;
        }
        PrimitiveType p = t.asPrimitiveType();
        LogicalTypeAnnotation a = p.getLogicalTypeAnnotation();
        if (a instanceof DecimalLogicalTypeAnnotation) {
            return Kind.DECIMAL;
        }
        if (a instanceof DateLogicalTypeAnnotation) {
            return Kind.DATE;
        }
        if (a instanceof TimeLogicalTypeAnnotation) {
            return Kind.TIME;
        }
        if (a instanceof TimestampLogicalTypeAnnotation ts) {
            return ts.isAdjustedToUTC() ? Kind.TIMESTAMP_UTC : Kind.TIMESTAMP;
        }
        if (a instanceof LogicalTypeAnnotation.UUIDLogicalTypeAnnotation) {
            return Kind.UUID;
        }
        if (a instanceof LogicalTypeAnnotation.JsonLogicalTypeAnnotation) {
            return Kind.JSON;
        }
        if (a instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation || a instanceof LogicalTypeAnnotation.EnumLogicalTypeAnnotation) {
            return Kind.STRING;
        }
        if (a instanceof LogicalTypeAnnotation.Float16LogicalTypeAnnotation) {
            return Kind.FLOAT;
        }
        return switch (p.getPrimitiveTypeName()) {
            case BOOLEAN -> Kind.BOOLEAN;
            case INT32, INT64 -> Kind.INTEGER;
            case FLOAT, DOUBLE -> Kind.FLOAT;
            case INT96 -> Kind.TIMESTAMP_UTC; // Impala's and old Spark's timestamps: UTC by convention
            case BINARY, FIXED_LEN_BYTE_ARRAY -> Kind.BINARY;
        };
    }

    /** The field's Parquet type as a person reads it in a schema, e.g. {@code int64 (TIMESTAMP(MICROS,true))}. */
    public static String describe(Type t) {
        if (!t.isPrimitive()) {
            LogicalTypeAnnotation a = t.getLogicalTypeAnnotation();
            return a == null ? "group (struct)" : "group (" + a + ")";
        }
        PrimitiveType p = t.asPrimitiveType();
        String s = p.getPrimitiveTypeName().name().toLowerCase(Locale.ROOT);
        if (p.getPrimitiveTypeName() == PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY) {
            s += "(" + p.getTypeLength() + ")";
        }
        if (p.getLogicalTypeAnnotation() != null) {
            s += " (" + p.getLogicalTypeAnnotation() + ")";
        }
        return t.isRepetition(Type.Repetition.REPEATED) ? "repeated " + s : s;
    }

    /** A scalar's text as PostgreSQL and most databases parse it; a nested value as JSON. Binary is UTF-8 text here. */
    public static String text(Type t, Object v) {
        if (v == null) {
            return null;
        }
        if (kind(t) == Kind.NESTED) {
            StringBuilder b = new StringBuilder();
            json(t, v, b);
            return b.toString();
        }
        PrimitiveType p = t.asPrimitiveType();
        LogicalTypeAnnotation a = p.getLogicalTypeAnnotation();
        return switch (kind(t)) {
            case BOOLEAN -> ((Boolean) v) ? "true" : "false";
            case INTEGER -> integer(a, v);
            case DECIMAL -> decimal(p, (DecimalLogicalTypeAnnotation) a, v).toPlainString();
            case FLOAT -> v instanceof Binary h ? Float.toString(float16(h)) : v.toString();
            case STRING, JSON, BINARY -> ((Binary) v).toStringUsingUTF8();
            case DATE -> LocalDate.ofEpochDay((Integer) v).toString();
            case TIME -> time((TimeLogicalTypeAnnotation) a, v).toString();
            case TIMESTAMP -> timestamp(p, v).toString();
            case TIMESTAMP_UTC -> timestamp(p, v) + "+00:00";
            case UUID -> uuid((Binary) v);
            case NESTED -> throw new IllegalStateException();
        };
    }

    /** Binary content as PostgreSQL's bytea hex text, {@code \x...}. */
    public static String hex(Object v) {
        return v == null ? null : "\\x" + HEX.formatHex(((Binary) v).getBytes());
    }

    /** The value as JSON: numbers as numbers, text, dates and binary (as \x hex) as strings, groups as objects, lists as arrays, maps as objects. */
    public static String json(Type t, Object v) {
        StringBuilder b = new StringBuilder();
        json(t, v, b);
        return b.toString();
    }

    private static void json(Type t, Object v, StringBuilder b) {
        if (v == null) {
            b.append("null");
            return;
        }
        if (t.isRepetition(Type.Repetition.REPEATED)) {
            // A repeated field outside a LIST annotation (the legacy form): an array of its values.
            array(elementOf(t), (List<?>) v, b);
            return;
        }
        if (!t.isPrimitive()) {
            GroupType g = t.asGroupType();
            Object[] fields = (Object[]) v;
            LogicalTypeAnnotation a = g.getLogicalTypeAnnotation();
            if (a instanceof ListLogicalTypeAnnotation && g.getFieldCount() == 1) {
                list(g, fields, b);
            } else if ((a instanceof MapLogicalTypeAnnotation || a == LogicalTypeAnnotation.MapKeyValueTypeAnnotation.getInstance())
                    && g.getFieldCount() == 1 && !g.getType(0).isPrimitive()) {
                map(g, fields, b);
            } else {
                b.append('{');
                for (int i = 0; i < g.getFieldCount(); i++) {
                    if (i > 0) {
                        b.append(',');
                    }
                    string(g.getFieldName(i), b);
                    b.append(':');
                    Type f = g.getType(i);
                    if (f.isRepetition(Type.Repetition.REPEATED) && fields[i] == null) {
                        b.append("[]");
                    } else {
                        json(f, fields[i], b);
                    }
                }
                b.append('}');
            }
            return;
        }
        switch (kind(t)) {
            case BOOLEAN, INTEGER, DECIMAL -> b.append(text(t, v));
            case FLOAT -> {
                double d = v instanceof Float x ? x : v instanceof Double x ? x : float16((Binary) v);
                if (Double.isFinite(d)) {
                    b.append(text(t, v));
                } else {
                    string(text(t, v), b); // JSON has no NaN or Infinity
                }
            }
            case JSON -> b.append(((Binary) v).toStringUsingUTF8());
            case BINARY -> string(hex(v), b);
            default -> string(text(t, v), b);
        }
    }

    /** A LIST: {@code group (LIST) { repeated group list { element } }}, or a legacy two-level form. */
    private static void list(GroupType g, Object[] fields, StringBuilder b) {
        Type repeated = g.getType(0);
        List<?> items = fields[0] == null ? List.of() : (List<?>) fields[0];
        boolean threeLevel = !repeated.isPrimitive() && repeated.asGroupType().getFieldCount() == 1
                && !repeated.getName().equals("array") && !repeated.getName().equals(g.getName() + "_tuple");
        if (!threeLevel) {
            array(elementOf(repeated), items, b);
            return;
        }
        Type element = repeated.asGroupType().getType(0);
        b.append('[');
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) {
                b.append(',');
            }
            json(element, ((Object[]) items.get(i))[0], b);
        }
        b.append(']');
    }

    /** A MAP: {@code group (MAP) { repeated group key_value { key; value } }}, as a JSON object keyed by the key's text. */
    private static void map(GroupType g, Object[] fields, StringBuilder b) {
        GroupType kv = g.getType(0).asGroupType();
        List<?> entries = fields[0] == null ? List.of() : (List<?>) fields[0];
        b.append('{');
        for (int i = 0; i < entries.size(); i++) {
            if (i > 0) {
                b.append(',');
            }
            Object[] e = (Object[]) entries.get(i);
            string(String.valueOf(text(kv.getType(0), e[0])), b);
            b.append(':');
            if (kv.getFieldCount() > 1) {
                json(kv.getType(1), e[1], b);
            } else {
                b.append("null");
            }
        }
        b.append('}');
    }

    private static void array(Type element, List<?> items, StringBuilder b) {
        b.append('[');
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) {
                b.append(',');
            }
            json(element, items.get(i), b);
        }
        b.append(']');
    }

    /** A repeated field's type as one element (the same type, required). */
    private static Type elementOf(Type repeated) {
        if (repeated.isPrimitive()) {
            PrimitiveType p = repeated.asPrimitiveType();
            return org.apache.parquet.schema.Types.required(p.getPrimitiveTypeName()).length(p.getTypeLength())
                    .as(p.getLogicalTypeAnnotation()).named(p.getName());
        }
        return org.apache.parquet.schema.Types.buildGroup(Type.Repetition.REQUIRED).as(repeated.getLogicalTypeAnnotation())
                .addFields(repeated.asGroupType().getFields().toArray(Type[]::new)).named(repeated.getName());
    }

    static void string(String s, StringBuilder b) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }

    private static String integer(LogicalTypeAnnotation a, Object v) {
        boolean unsigned = a instanceof IntLogicalTypeAnnotation i && !i.isSigned();
        if (v instanceof Integer x) {
            return unsigned ? Integer.toUnsignedString(x) : Integer.toString(x);
        }
        long x = (Long) v;
        return unsigned ? Long.toUnsignedString(x) : Long.toString(x);
    }

    private static BigDecimal decimal(PrimitiveType p, DecimalLogicalTypeAnnotation d, Object v) {
        BigInteger unscaled = switch (v) {
            case Integer x -> BigInteger.valueOf(x);
            case Long x -> BigInteger.valueOf(x);
            case Binary x -> new BigInteger(x.getBytes());
            default -> throw new IllegalArgumentException("decimal stored as " + p.getPrimitiveTypeName());
        };
        return new BigDecimal(unscaled, d.getScale());
    }

    private static LocalTime time(TimeLogicalTypeAnnotation a, Object v) {
        long n = v instanceof Integer x ? x : (Long) v;
        return LocalTime.ofNanoOfDay(switch (a.getUnit()) {
            case MILLIS -> n * 1_000_000L;
            case MICROS -> n * 1_000L;
            case NANOS -> n;
        });
    }

    /** The wall-clock time of a TIMESTAMP (or INT96) value, at UTC for the adjusted ones. */
    private static LocalDateTime timestamp(PrimitiveType p, Object v) {
        if (p.getPrimitiveTypeName() == PrimitiveTypeName.INT96) {
            ByteBuffer b = ((Binary) v).toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            long nanosOfDay = b.getLong();
            long julianDay = b.getInt() & 0xffffffffL;
            return LocalDate.ofEpochDay(julianDay - JULIAN_EPOCH_DAY).atTime(LocalTime.ofNanoOfDay(nanosOfDay));
        }
        TimeUnit unit = ((TimestampLogicalTypeAnnotation) p.getLogicalTypeAnnotation()).getUnit();
        long n = (Long) v;
        long perSecond = switch (unit) {
            case MILLIS -> 1_000L;
            case MICROS -> 1_000_000L;
            case NANOS -> 1_000_000_000L;
        };
        long seconds = Math.floorDiv(n, perSecond);
        long nanos = Math.floorMod(n, perSecond) * (1_000_000_000L / perSecond);
        return LocalDateTime.ofEpochSecond(seconds, (int) nanos, ZoneOffset.UTC);
    }

    private static String uuid(Binary v) {
        ByteBuffer b = v.toByteBuffer();
        return new java.util.UUID(b.getLong(), b.getLong()).toString();
    }

    private static float float16(Binary h) {
        byte[] x = h.getBytes();
        return Float.float16ToFloat((short) ((x[0] & 0xff) | (x[1] << 8)));
    }
}
