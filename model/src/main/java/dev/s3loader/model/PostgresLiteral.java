package dev.s3loader.model;

/** A PostgreSQL string literal for any text, for the few places SQL cannot take a parameter (COPY options). */
public final class PostgresLiteral {
    private PostgresLiteral() {
    }

    /** An escape-string literal: the same meaning whatever standard_conforming_strings says. */
    public static String of(String value) {
        StringBuilder b = new StringBuilder("E'");
        for (char ch : value.toCharArray()) {
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
