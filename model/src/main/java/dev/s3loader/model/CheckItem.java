package dev.s3loader.model;

import java.util.Objects;

/**
 * One finding of {@code s3loader check} or of the loader's preflight: what was checked, whether it
 * holds, what was seen, and (when it does not hold) the one thing to do about it. The loader
 * answers a preflight request with a list of these as JSON, and the operator's command prints them.
 *
 * @param name   what was checked, short and stable (e.g. "s3 internal prefix", "table privileges")
 * @param ok     true when it holds
 * @param detail what was seen: never a password, a secret's contents or file content
 * @param fix    what to do when it does not hold; empty when it holds
 */
public record CheckItem(String name, boolean ok, String detail, String fix) {
    public CheckItem {
        Objects.requireNonNull(name, "name");
        detail = oneLine(detail);
        fix = oneLine(fix);
    }

    public static CheckItem ok(String name, String detail) {
        return new CheckItem(name, true, detail, "");
    }

    public static CheckItem problem(String name, String detail, String fix) {
        return new CheckItem(name, false, detail, fix);
    }

    /** Each item prints as one line, so a server's multi-line message is folded. */
    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
    }
}
