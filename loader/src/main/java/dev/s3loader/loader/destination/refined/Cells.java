package dev.s3loader.loader.destination.refined;

import com.fasterxml.jackson.databind.JsonNode;
import dev.s3loader.model.RefinedColumn;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;

/**
 * Turns a {@link RawRow} into a Parquet row of REFINED_COLUMNS' types, strictly: a value that does
 * not convert exactly (a fraction in an int, more decimal places than the scale, a date that does
 * not exist) rejects the file rather than storing something else.
 */
final class Cells {
    /** ISO 8601 with a space or a T, optional fraction, optional offset or Z. */
    private static final DateTimeFormatter TIMESTAMP = new DateTimeFormatterBuilder()
            .parseCaseInsensitive()
            .append(DateTimeFormatter.ISO_LOCAL_DATE)
            .optionalStart().appendLiteral('T').optionalEnd()
            .optionalStart().appendLiteral(' ').optionalEnd()
            .appendValue(ChronoField.HOUR_OF_DAY, 2).appendLiteral(':')
            .appendValue(ChronoField.MINUTE_OF_HOUR, 2)
            .optionalStart().appendLiteral(':').appendValue(ChronoField.SECOND_OF_MINUTE, 2)
            .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true).optionalEnd().optionalEnd()
            .optionalStart().appendOffset("+HH:MM", "Z").optionalEnd()
            .optionalStart().appendOffset("+HHMM", "Z").optionalEnd()
            .optionalStart().appendOffset("+HH", "Z").optionalEnd()
            .toFormatter(Locale.ROOT);
    private static final int MAX_QUOTED = 64;

    private final List<RefinedColumn> columns;
    private final SimpleGroupFactory groups;

    Cells(List<RefinedColumn> columns, MessageType schema) {
        this.columns = columns;
        this.groups = new SimpleGroupFactory(schema);
    }

    Group convert(RawRow raw) throws BadRowException {
        Group g = groups.newGroup();
        for (int i = 0; i < columns.size(); i++) {
            Object v = raw.values().get(i);
            if (v == null) {
                continue;
            }
            RefinedColumn c = columns.get(i);
            try {
                put(g, c, v);
            } catch (ArithmeticException | IllegalArgumentException | DateTimeParseException e) {
                throw bad(raw, c, v, e);
            }
        }
        return g;
    }

    private static void put(Group g, RefinedColumn c, Object v) {
        String name = c.name();
        JsonNode json = v instanceof JsonNode n ? n : null;
        if (json != null && (json.isObject() || json.isArray())) {
            throw new IllegalArgumentException("a JSON " + (json.isObject() ? "object" : "array") + " is not a " + c.typeName());
        }
        String text = json == null ? (String) v : json.asText();
        switch (c.type()) {
            case STRING -> g.add(name, text);
            case INT -> g.add(name, json != null && json.isNumber() ? exact(json).intValueExact() : Integer.parseInt(text.strip()));
            case LONG -> g.add(name, json != null && json.isNumber() ? exact(json).longValueExact() : Long.parseLong(text.strip()));
            case DOUBLE -> g.add(name, json != null && json.isNumber() ? json.doubleValue() : Double.parseDouble(text.strip()));
            case BOOLEAN -> g.add(name, json != null && json.isBoolean() ? json.booleanValue() : bool(text));
            case DATE -> g.add(name, (int) LocalDate.parse(text.strip()).toEpochDay());
            case TIMESTAMP -> g.add(name, micros(text.strip()));
            case DECIMAL -> {
                BigDecimal d = (json != null && json.isNumber() ? json.decimalValue() : new BigDecimal(text.strip()))
                        .setScale(c.scale(), java.math.RoundingMode.UNNECESSARY);
                if (d.precision() > c.precision()) {
                    throw new ArithmeticException("more than " + c.precision() + " digits");
                }
                BigInteger unscaled = d.unscaledValue();
                if (c.precision() <= 9) {
                    g.add(name, unscaled.intValueExact());
                } else if (c.precision() <= 18) {
                    g.add(name, unscaled.longValueExact());
                } else {
                    g.add(name, Binary.fromConstantByteArray(fixed(unscaled, RefinedSchema.decimalBytes(c.precision()))));
                }
            }
        }
    }

    private static BigDecimal exact(JsonNode n) {
        BigDecimal d = n.decimalValue();
        if (d.stripTrailingZeros().scale() > 0) {
            throw new ArithmeticException("has a fraction");
        }
        return d;
    }

    private static boolean bool(String s) {
        return switch (s.strip().toLowerCase(Locale.ROOT)) {
            case "true", "t", "yes", "y", "1" -> true;
            case "false", "f", "no", "n", "0" -> false;
            default -> throw new IllegalArgumentException("not a boolean");
        };
    }

    /** Microseconds since the epoch; a timestamp without an offset is UTC. */
    private static long micros(String s) {
        var parsed = TIMESTAMP.parseBest(s, OffsetDateTime::from, LocalDateTime::from);
        Instant at = parsed instanceof OffsetDateTime o ? o.toInstant() : ((LocalDateTime) parsed).toInstant(ZoneOffset.UTC);
        if (at.getNano() % 1000 != 0) {
            throw new ArithmeticException("finer than microseconds");
        }
        return ChronoUnit.MICROS.between(Instant.EPOCH, at);
    }

    private static byte[] fixed(BigInteger unscaled, int length) {
        byte[] b = unscaled.toByteArray();
        byte[] out = new byte[length];
        byte fill = (byte) (unscaled.signum() < 0 ? 0xff : 0);
        java.util.Arrays.fill(out, 0, length - b.length, fill);
        System.arraycopy(b, 0, out, length - b.length, b.length);
        return out;
    }

    private static BadRowException bad(RawRow raw, RefinedColumn c, Object v, Exception e) {
        String shown;
        if (v instanceof JsonNode n) {
            shown = n.isTextual() ? quote(n.textValue()) : "JSON " + n.getNodeType().name().toLowerCase(Locale.ROOT)
                    + (n.isContainerNode() ? "" : " " + quote(n.toString()));
        } else {
            shown = quote((String) v);
        }
        String why = e.getMessage() == null || e instanceof NumberFormatException || e instanceof DateTimeParseException
                ? "" : " (" + e.getMessage() + ")";
        Map<String, String> detail = new LinkedHashMap<>();
        detail.put("row", Long.toString(raw.row()));
        detail.put("line", Long.toString(raw.line()));
        detail.put("column", c.name());
        detail.put("type", c.typeName());
        detail.put("value", shown);
        return new BadRowException("row " + raw.row() + " (line " + raw.line() + "), column " + c.name() + " ("
                + c.typeName() + "): " + shown + " is not a " + c.typeName() + why, detail);
    }

    /** The value quoted, shortened, with control characters escaped: the reason is one readable line. */
    private static String quote(String s) {
        StringBuilder b = new StringBuilder("'");
        s.codePoints().limit(MAX_QUOTED).forEach(cp -> {
            if (cp < 0x20 || cp == 0x7f) {
                b.append(String.format("\\u%04x", cp));
            } else {
                b.appendCodePoint(cp);
            }
        });
        return b.append(s.codePointCount(0, s.length()) > MAX_QUOTED ? "...'" : "'").toString();
    }
}
