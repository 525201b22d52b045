package dev.s3loader.model;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A table, optionally schema-qualified, as configured ({@code events} or {@code analytics.events}).
 * Names are used exactly as given (they are always quoted in SQL, so case matters: a table created
 * as {@code CREATE TABLE Events} is {@code events}).
 */
public record TableName(Optional<String> schema, String name) {

    public TableName {
        schema.ifPresent(s -> checkIdentifier(s, "schema"));
        checkIdentifier(name, "table");
    }

    /** Parses {@code [schema.]table}; a name containing '.' cannot be expressed. */
    public static TableName parse(String variable, String value) {
        String[] parts = value.split("\\.", -1);
        try {
            return switch (parts.length) {
                case 1 -> new TableName(Optional.empty(), parts[0].trim());
                case 2 -> new TableName(Optional.of(parts[0].trim()), parts[1].trim());
                default -> throw new ConfigException("too many '.'");
            };
        } catch (ConfigException e) {
            throw new ConfigException(variable + " must be [schema.]table, got '" + value + "': " + e.getMessage());
        }
    }

    /** The quoted SQL form, {@code "schema"."table"}: safe to put in SQL text whatever the name holds. */
    public String quoted() {
        return schema.map(s -> quote(s) + ".").orElse("") + quote(name);
    }

    /** The longest part in UTF-8 bytes, to check against a database's identifier limit. */
    public int longestPartBytes() {
        return Math.max(schema.map(TableName::bytes).orElse(0), bytes(name));
    }

    @Override
    public String toString() {
        return schema.map(s -> s + ".").orElse("") + name;
    }

    /** A quoted SQL identifier: double quotes doubled, so no name can end the identifier early. */
    public static String quote(String identifier) {
        checkIdentifier(identifier, "identifier");
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    /** Parses a comma-separated list of column names (empty for a blank value). */
    public static List<String> columns(String variable, Optional<String> value) {
        List<String> out = new ArrayList<>();
        if (value.isEmpty()) {
            return out;
        }
        for (String part : value.get().split(",", -1)) {
            String c = part.trim();
            try {
                checkIdentifier(c, "column");
            } catch (ConfigException e) {
                throw new ConfigException(variable + " must be a comma-separated list of column names, got '"
                        + value.get() + "': " + e.getMessage());
            }
            if (out.contains(c)) {
                throw new ConfigException(variable + " names column '" + c + "' twice");
            }
            out.add(c);
        }
        return List.copyOf(out);
    }

    static int bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    private static void checkIdentifier(String s, String what) {
        if (s == null || s.isEmpty()) {
            throw new ConfigException(what + " name is empty");
        }
        if (s.indexOf('\0') >= 0) {
            throw new ConfigException(what + " name contains a NUL character");
        }
    }
}
