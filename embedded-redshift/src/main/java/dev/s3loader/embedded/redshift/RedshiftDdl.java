package dev.s3loader.embedded.redshift;

import dev.s3loader.embedded.redshift.SqlTokens.Kind;
import dev.s3loader.embedded.redshift.SqlTokens.Token;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Gives a {@code CREATE TABLE} Redshift's column semantics on PostgreSQL, where they differ in
 * ways that hide bugs:
 * <ul>
 *   <li>{@code VARCHAR(n)} counts bytes, not characters: the column becomes {@code bpchar} with a
 *       check on {@code octet_length}, named so that a violation reads as Redshift's error;</li>
 *   <li>trailing blanks are insignificant when VARCHAR values are compared ({@code 'a ' = 'a'}):
 *       PostgreSQL's unbounded {@code bpchar} compares that way and keeps the blanks it stores;</li>
 *   <li>PRIMARY KEY, UNIQUE and REFERENCES are informational: they are dropped, so duplicates load.</li>
 * </ul>
 * Other statements are returned unchanged. Known difference left: string functions applied to such
 * a column ({@code ||}, {@code LENGTH}) see the value without its trailing blanks.
 */
final class RedshiftDdl {
    /** Redshift's VARCHAR without a length is VARCHAR(256); MAX is 65535 bytes. */
    private static final int DEFAULT_LENGTH = 256;
    private static final int MAX_LENGTH = 65535;
    private static final String CHECK_PREFIX = "rs_varchar_";
    private static final Pattern CHECK_NAME = Pattern.compile(CHECK_PREFIX + "(\\d+)_(.*)");

    private RedshiftDdl() {
    }

    /** A VARCHAR byte-length violation: the column's length and name (cut to 63 bytes by PostgreSQL). */
    record TooLong(int length, String column) {
        String message() {
            return "value too long for type character varying(" + length + ")";
        }
    }

    /** The VARCHAR column a violated check constraint of ours guards, if it is one. */
    static Optional<TooLong> tooLong(String constraint) {
        if (constraint == null) {
            return Optional.empty();
        }
        Matcher m = CHECK_NAME.matcher(constraint);
        return m.matches() ? Optional.of(new TooLong(Integer.parseInt(m.group(1)), m.group(2))) : Optional.empty();
    }

    static String rewrite(String sql) {
        List<Token> t = SqlTokens.tokenize(sql);
        int at = 0;
        if (t.isEmpty() || !t.get(at++).is("CREATE")) {
            return sql;
        }
        while (at < t.size() && (t.get(at).is("TEMP") || t.get(at).is("TEMPORARY") || t.get(at).is("LOCAL"))) {
            at++;
        }
        if (at >= t.size() || !t.get(at++).is("TABLE")) {
            return sql;
        }
        while (at < t.size() && !t.get(at).isPunct("(")) {
            if (t.get(at).is("AS")) {
                return sql; // CREATE TABLE ... AS SELECT: its parentheses are a query's
            }
            at++; // IF NOT EXISTS, the name
        }
        if (at >= t.size()) {
            return sql;
        }
        int open = at;
        List<int[]> elements = new ArrayList<>();
        int depth = 0;
        int from = open + 1;
        int close = -1;
        for (int i = open; i < t.size() && close < 0; i++) {
            if (t.get(i).isPunct("(")) {
                depth++;
            } else if (t.get(i).isPunct(")")) {
                depth--;
                if (depth == 0) {
                    elements.add(new int[] {from, i});
                    close = i;
                }
            } else if (t.get(i).isPunct(",") && depth == 1) {
                elements.add(new int[] {from, i});
                from = i + 1;
            }
        }
        if (close < 0) {
            return sql;
        }
        List<String> kept = new ArrayList<>();
        for (int[] e : elements) {
            element(sql, t, e[0], e[1]).ifPresent(kept::add);
        }
        return sql.substring(0, t.get(open).end()) + String.join(", ", kept) + sql.substring(t.get(close).start());
    }

    /** One element of the list: a column (rewritten) or a table constraint (dropped when informational). */
    private static Optional<String> element(String sql, List<Token> t, int from, int to) {
        if (from >= to) {
            return Optional.empty();
        }
        Token first = t.get(from);
        if (first.is("PRIMARY") || first.is("UNIQUE") || first.is("FOREIGN")) {
            return Optional.empty();
        }
        if (first.is("CONSTRAINT")) {
            int kind = from + 2;
            if (kind < to && (t.get(kind).is("PRIMARY") || t.get(kind).is("UNIQUE") || t.get(kind).is("FOREIGN"))) {
                return Optional.empty();
            }
            return Optional.of(text(sql, t, from, to));
        }
        if (first.is("LIKE") || first.is("CHECK") || from + 1 >= to) {
            return Optional.of(text(sql, t, from, to));
        }
        String column = first.kind() == Kind.IDENT ? first.text() : first.text().toLowerCase(Locale.ROOT);
        StringBuilder out = new StringBuilder(first.raw());
        int at = from + 1;
        int typeEnd = varcharEnd(t, at, to);
        if (typeEnd > at) {
            int length = varcharLength(t, at, typeEnd);
            String quoted = '"' + column.replace("\"", "\"\"") + '"';
            String name = CHECK_PREFIX + length + "_" + column;
            out.append(" bpchar CONSTRAINT \"").append(name.replace("\"", "\"\"")).append("\" CHECK (octet_length(")
                    .append(quoted).append(") <= ").append(length).append(')');
            at = typeEnd;
        }
        while (at < to) {
            Token x = t.get(at);
            if (x.is("PRIMARY") && at + 1 < to && t.get(at + 1).is("KEY")) {
                at += 2;
            } else if (x.is("UNIQUE")) {
                at++;
            } else if (x.is("REFERENCES")) {
                at += 2;
                if (at < to && t.get(at).isPunct("(")) {
                    while (at < to && !t.get(at).isPunct(")")) {
                        at++;
                    }
                    at++;
                }
            } else {
                out.append(' ').append(x.raw());
                at++;
            }
        }
        return Optional.of(out.toString());
    }

    /** The token after a VARCHAR type (with its length), or {@code at} when the type is another. */
    private static int varcharEnd(List<Token> t, int at, int to) {
        int i = at;
        Token type = t.get(i);
        if (type.is("CHARACTER") && i + 1 < to && t.get(i + 1).is("VARYING")) {
            i += 2;
        } else if (type.is("VARCHAR") || type.is("NVARCHAR") || type.is("TEXT")) {
            i++;
        } else {
            return at;
        }
        if (!type.is("TEXT") && i + 2 < to && t.get(i).isPunct("(") && t.get(i + 2).isPunct(")")) {
            i += 3;
        }
        return i;
    }

    private static int varcharLength(List<Token> t, int at, int end) {
        for (int i = at; i < end; i++) {
            Token x = t.get(i);
            if (x.kind() == Kind.NUMBER) {
                return Integer.parseInt(x.text());
            }
            if (x.is("MAX")) {
                return MAX_LENGTH;
            }
        }
        return DEFAULT_LENGTH;
    }

    private static String text(String sql, List<Token> t, int from, int to) {
        return sql.substring(t.get(from).start(), t.get(to - 1).end());
    }
}
