package dev.s3loader.model;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How a file's key below {@code processed/} is made from its relative key and a time, e.g.
 * {@code {yyyy}/{MM}/{dd}/{key}} or {@code year={yyyy}/month={MM}/day={dd}/{key}}. Dates are UTC.
 *
 * <p>Every token before {@code {key}} has a fixed width of ASCII digits and {@code {key}} is last,
 * so the part before the key has the same length for every time: a key fits S3's limit or not
 * whatever the time, and a processed key parses back to exactly one relative key (the part after
 * that fixed-width prefix), which is how the audit and the checks join processed/ with incoming/.
 * Literal text is restricted to {@code A-Z a-z 0-9 / _ = . -}, with no empty, {@code .} or
 * {@code ..} path segment, so a template can never climb out of the processed prefix nor need
 * escaping anywhere.
 */
public final class ProcessedKeyTemplate {
    public static final String VARIABLE = "PROCESSED_KEY_TEMPLATE";
    static final String KEY = "{key}";

    private enum Token {
        YEAR("{yyyy}", 4), MONTH("{MM}", 2), DAY("{dd}", 2), HOUR("{HH}", 2);

        final String text;
        final int width;

        Token(String text, int width) {
            this.text = text;
            this.width = width;
        }

        int valueOf(ZonedDateTime t) {
            return switch (this) {
                case YEAR -> t.getYear();
                case MONTH -> t.getMonthValue();
                case DAY -> t.getDayOfMonth();
                case HOUR -> t.getHour();
            };
        }
    }

    /** A part of the template before {@code {key}}: a literal or a token. */
    private record Part(String literal, Token token) {
        int width() {
            return token == null ? literal.length() : token.width;
        }
    }

    public static ProcessedKeyTemplate defaults() {
        return new ProcessedKeyTemplate(KEY);
    }

    private final String text;
    private final List<Part> parts;
    private final int prefixWidth;

    /** @throws ConfigException naming {@value #VARIABLE} when the template is not valid */
    public ProcessedKeyTemplate(String text) {
        this.parts = List.copyOf(parts(text));
        this.text = text;
        this.prefixWidth = parts.stream().mapToInt(Part::width).sum();
    }

    public String text() {
        return text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ProcessedKeyTemplate t && t.text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    @Override
    public String toString() {
        return text;
    }

    /** True when the template puts anything before the key. */
    public boolean partitioned() {
        return !text.equals(KEY);
    }

    /** The fixed number of characters (all ASCII, so also bytes) the template puts before the key. */
    public int prefixWidth() {
        return prefixWidth;
    }

    /** {@code <template with the UTC time's fields>} followed by the relative key, byte for byte. */
    public String render(String relative, Instant at) {
        if (!partitioned()) {
            // No time in the key: a file moved without a HEAD (copy mode) has none to give.
            return relative;
        }
        ZonedDateTime t = at.atZone(ZoneOffset.UTC);
        StringBuilder b = new StringBuilder(prefixWidth + relative.length());
        for (Part p : parts) {
            if (p.token() == null) {
                b.append(p.literal());
            } else {
                int v = p.token().valueOf(t);
                if (v < 0 || Integer.toString(v).length() > p.token().width) {
                    // Years past 9999 or before 0 cannot keep the fixed width every parse relies on.
                    throw new IllegalArgumentException("time " + at + " does not fit " + p.token().text);
                }
                b.append(String.format("%0" + p.token().width + "d", v));
            }
        }
        return b.append(relative).toString();
    }

    /** The relative key of a key below processed/ made by this template, or empty when it is not one. */
    public Optional<String> relativeOf(String belowProcessed) {
        return partitionOf(belowProcessed).map(p -> belowProcessed.substring(p.length()));
    }

    /** The fixed-width part before the key of a key below processed/ made by this template, or empty. */
    public Optional<String> partitionOf(String belowProcessed) {
        int at = 0;
        for (Part p : parts) {
            int end = at + p.width();
            if (end > belowProcessed.length()) {
                return Optional.empty();
            }
            String piece = belowProcessed.substring(at, end);
            boolean matches = p.token() == null ? piece.equals(p.literal()) : piece.chars().allMatch(c -> c >= '0' && c <= '9');
            if (!matches) {
                return Optional.empty();
            }
            at = end;
        }
        return at < belowProcessed.length() ? Optional.of(belowProcessed.substring(0, at)) : Optional.empty();
    }

    private static List<Part> parts(String text) {
        if (text == null) {
            throw invalid("", "it is not set");
        }
        if (!text.endsWith(KEY) || text.indexOf(KEY) != text.length() - KEY.length()) {
            throw invalid(text, "it must contain {key} exactly once, at the end");
        }
        String before = text.substring(0, text.length() - KEY.length());
        List<Part> parts = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        int i = 0;
        while (i < before.length()) {
            char c = before.charAt(i);
            if (c == '{') {
                Token token = tokenAt(before, i);
                if (token == null) {
                    int close = before.indexOf('}', i);
                    throw invalid(text, "unknown token " + (close < 0 ? before.substring(i) : before.substring(i, close + 1))
                            + " (allowed: {yyyy} {MM} {dd} {HH} {key})");
                }
                if (!literal.isEmpty()) {
                    parts.add(new Part(literal.toString(), null));
                    literal.setLength(0);
                }
                parts.add(new Part(null, token));
                i += token.text.length();
            } else if (c == '}') {
                throw invalid(text, "a '}' outside a token");
            } else if (safe(c)) {
                literal.append(c);
                i++;
            } else {
                throw invalid(text, String.format("character U+%04X is not allowed in literal text (only A-Z a-z 0-9 / _ = . -)", (int) c));
            }
        }
        if (!literal.isEmpty()) {
            parts.add(new Part(literal.toString(), null));
        }
        if (before.startsWith("/")) {
            throw invalid(text, "it must not start with '/'");
        }
        String[] segments = before.split("/", -1);
        for (int s = 0; s < segments.length - 1; s++) {
            if (segments[s].isEmpty() || segments[s].equals(".") || segments[s].equals("..")) {
                throw invalid(text, "no empty, '.' or '..' path segment ('//', './', '../')");
            }
        }
        if (before.contains("..")) {
            throw invalid(text, "no '..'");
        }
        return parts;
    }

    private static Token tokenAt(String s, int i) {
        for (Token t : Token.values()) {
            if (s.startsWith(t.text, i)) {
                return t;
            }
        }
        return null;
    }

    private static boolean safe(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '/' || c == '_' || c == '=' || c == '.' || c == '-';
    }

    private static ConfigException invalid(String text, String why) {
        return new ConfigException(VARIABLE + " '" + text + "' is not a valid template: " + why
                + "; e.g. {yyyy}/{MM}/{dd}/{key} or year={yyyy}/month={MM}/day={dd}/{key}");
    }
}
