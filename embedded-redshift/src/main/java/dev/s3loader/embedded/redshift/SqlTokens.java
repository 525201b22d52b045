package dev.s3loader.embedded.redshift;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits Redshift SQL into tokens: words, numbers, string literals (Redshift reads backslash
 * escapes in them), quoted identifiers and punctuation. Comments and whitespace are dropped;
 * each token keeps its position so callers can rewrite the original text.
 */
final class SqlTokens {
    enum Kind { WORD, NUMBER, STRING, IDENT, PUNCT, PARAM }

    /** @param text the token's value (a literal unescaped, an identifier unquoted); raw is as written */
    record Token(Kind kind, String text, String raw, int start, int end) {
        boolean is(String word) {
            return kind == Kind.WORD && text.equalsIgnoreCase(word);
        }

        boolean isPunct(String p) {
            return kind == Kind.PUNCT && text.equals(p);
        }
    }

    private SqlTokens() {
    }

    static List<Token> tokenize(String sql) {
        List<Token> out = new ArrayList<>();
        int i = 0;
        int n = sql.length();
        while (i < n) {
            char c = sql.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
                while (i < n && sql.charAt(i) != '\n') {
                    i++;
                }
            } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                int e = sql.indexOf("*/", i + 2);
                i = e < 0 ? n : e + 2;
            } else if (c == '\'') {
                int s = i++;
                StringBuilder b = new StringBuilder();
                while (true) {
                    if (i >= n) {
                        throw new IllegalArgumentException("unterminated quoted string at position " + s);
                    }
                    char x = sql.charAt(i);
                    if (x == '\'' && i + 1 < n && sql.charAt(i + 1) == '\'') {
                        b.append('\'');
                        i += 2;
                    } else if (x == '\'') {
                        i++;
                        break;
                    } else if (x == '\\' && i + 1 < n) {
                        char y = sql.charAt(i + 1);
                        b.append(switch (y) {
                            case 't' -> '\t';
                            case 'n' -> '\n';
                            case 'r' -> '\r';
                            default -> y;
                        });
                        i += 2;
                    } else {
                        b.append(x);
                        i++;
                    }
                }
                out.add(new Token(Kind.STRING, b.toString(), sql.substring(s, i), s, i));
            } else if (c == '"') {
                int s = i++;
                StringBuilder b = new StringBuilder();
                while (true) {
                    if (i >= n) {
                        throw new IllegalArgumentException("unterminated quoted identifier at position " + s);
                    }
                    char x = sql.charAt(i);
                    if (x == '"' && i + 1 < n && sql.charAt(i + 1) == '"') {
                        b.append('"');
                        i += 2;
                    } else if (x == '"') {
                        i++;
                        break;
                    } else {
                        b.append(x);
                        i++;
                    }
                }
                out.add(new Token(Kind.IDENT, b.toString(), sql.substring(s, i), s, i));
            } else if (c == ':' && i + 1 < n && sql.charAt(i + 1) == ':') {
                out.add(new Token(Kind.PUNCT, "::", "::", i, i + 2));
                i += 2;
            } else if (c == ':' && i + 1 < n && isWordStart(sql.charAt(i + 1))) {
                int s = i++;
                while (i < n && isWordPart(sql.charAt(i))) {
                    i++;
                }
                out.add(new Token(Kind.PARAM, sql.substring(s + 1, i), sql.substring(s, i), s, i));
            } else if (isWordStart(c)) {
                int s = i;
                while (i < n && isWordPart(sql.charAt(i))) {
                    i++;
                }
                out.add(new Token(Kind.WORD, sql.substring(s, i), sql.substring(s, i), s, i));
            } else if (Character.isDigit(c)) {
                int s = i;
                while (i < n && (Character.isDigit(sql.charAt(i)) || sql.charAt(i) == '.')) {
                    i++;
                }
                out.add(new Token(Kind.NUMBER, sql.substring(s, i), sql.substring(s, i), s, i));
            } else {
                out.add(new Token(Kind.PUNCT, String.valueOf(c), String.valueOf(c), i, i + 1));
                i++;
            }
        }
        return out;
    }

    /**
     * Redshift's identifier rule (r_names): "ASCII letters in standard and delimited identifiers are
     * case-insensitive and are folded to lowercase" (unless enable_case_sensitive_identifier, which the
     * emulator does not model): {@code "Events"} names the table {@code events}.
     */
    static String foldIdentifiers(String sql) {
        StringBuilder b = new StringBuilder();
        int last = 0;
        for (Token t : tokenize(sql)) {
            if (t.kind() == Kind.IDENT) {
                String folded = foldAscii(t.text());
                if (!folded.equals(t.text())) {
                    b.append(sql, last, t.start()).append('"').append(folded.replace("\"", "\"\"")).append('"');
                    last = t.end();
                }
            }
        }
        return b.append(sql.substring(last)).toString();
    }

    static String foldAscii(String identifier) {
        StringBuilder b = new StringBuilder(identifier.length());
        for (char c : identifier.toCharArray()) {
            b.append(c >= 'A' && c <= 'Z' ? (char) (c + 32) : c);
        }
        return b.toString();
    }

    /** Rewrites {@code :name} parameters as JDBC {@code ?} and returns the names in order of use. */
    static String positional(String sql, List<String> namesOut) {
        StringBuilder b = new StringBuilder();
        int last = 0;
        for (Token t : tokenize(sql)) {
            if (t.kind() == Kind.PARAM) {
                b.append(sql, last, t.start()).append('?');
                namesOut.add(t.text());
                last = t.end();
            }
        }
        return b.append(sql.substring(last)).toString();
    }

    private static boolean isWordStart(char c) {
        return Character.isLetter(c) || c == '_';
    }

    private static boolean isWordPart(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$';
    }
}
