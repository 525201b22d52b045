package dev.s3loader.model;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One column of the refined zone's Parquet files ({@value #VARIABLE}: {@code name:type,...}).
 * Names are what Athena, Glue and Hive take without quoting (letters, digits, underscore, not a
 * digit first): a refined table is read by engines that lower-case or reject anything else.
 *
 * @param precision decimal's total digits (1 to 38); 0 for the other types
 * @param scale     decimal's digits after the point (0 to precision); 0 for the other types
 */
public record RefinedColumn(String name, Type type, int precision, int scale) {
    public static final String VARIABLE = "REFINED_COLUMNS";
    private static final Set<String> PARTITION_KEYS = Set.of("year", "month", "day");
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
    private static final Pattern DECIMAL = Pattern.compile("decimal\\(\\s*(\\d{1,2})\\s*,\\s*(\\d{1,2})\\s*\\)");

    /** The types a column may take, and the Parquet type each becomes. */
    public enum Type {
        INT("int"), LONG("long"), DOUBLE("double"), DECIMAL("decimal(p,s)"), STRING("string"), BOOLEAN("boolean"),
        DATE("date"), TIMESTAMP("timestamp");

        private final String spelling;

        Type(String spelling) {
            this.spelling = spelling;
        }
    }

    /** How the type is written in {@value #VARIABLE}, e.g. {@code decimal(10,2)}. */
    public String typeName() {
        return type == Type.DECIMAL ? "decimal(" + precision + "," + scale + ")" : type.spelling;
    }

    /**
     * Parses {@code name:type,...}; commas inside {@code decimal(p,s)} belong to the type.
     *
     * @throws ConfigException naming {@value #VARIABLE}
     */
    public static List<RefinedColumn> parseList(String text) {
        List<RefinedColumn> columns = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String item : split(text)) {
            RefinedColumn c = parse(item.trim());
            if (!seen.add(c.name().toLowerCase(Locale.ROOT))) {
                // Athena and Glue fold names to lower case: two names that differ only in case collide there.
                throw invalid("column '" + c.name() + "' appears twice (names are compared without case)");
            }
            columns.add(c);
        }
        if (columns.isEmpty()) {
            throw invalid("it names no column");
        }
        return List.copyOf(columns);
    }

    private static RefinedColumn parse(String item) {
        int colon = item.indexOf(':');
        if (colon < 0) {
            throw invalid("'" + item + "' is not name:type");
        }
        String name = item.substring(0, colon).trim();
        String type = item.substring(colon + 1).trim().toLowerCase(Locale.ROOT);
        if (PARTITION_KEYS.contains(name.toLowerCase(Locale.ROOT))) {
            throw invalid("column name '" + name + "' is a partition key of the refined zone's year=/month=/day= keys,"
                    + " which Hive-style readers add as columns: rename it");
        }
        if (!NAME.matcher(name).matches()) {
            throw invalid("column name '" + name + "' must be letters, digits and _ (not a digit first, at most 128)");
        }
        Matcher d = DECIMAL.matcher(type);
        if (d.matches()) {
            int p = Integer.parseInt(d.group(1));
            int s = Integer.parseInt(d.group(2));
            if (p < 1 || p > 38 || s > p) {
                throw invalid("column '" + name + "': " + type + " needs 1 <= precision <= 38 and scale <= precision");
            }
            return new RefinedColumn(name, Type.DECIMAL, p, s);
        }
        Type t = switch (type) {
            case "int", "integer" -> Type.INT;
            case "long", "bigint" -> Type.LONG;
            case "double" -> Type.DOUBLE;
            case "string" -> Type.STRING;
            case "boolean" -> Type.BOOLEAN;
            case "date" -> Type.DATE;
            case "timestamp" -> Type.TIMESTAMP;
            default -> throw invalid("column '" + name + "' has unknown type '" + type + "'");
        };
        return new RefinedColumn(name, t, 0, 0);
    }

    private static List<String> split(String text) {
        List<String> items = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (c == ',' && depth == 0) {
                items.add(text.substring(start, i));
                start = i + 1;
            }
        }
        items.add(text.substring(start));
        return items.stream().filter(s -> !s.isBlank()).toList();
    }

    private static ConfigException invalid(String why) {
        return new ConfigException(VARIABLE + " is not valid: " + why + "; expected name:type,... with types int, long,"
                + " double, decimal(p,s), string, boolean, date, timestamp, e.g. id:long,amount:decimal(10,2),sold_on:date");
    }
}
