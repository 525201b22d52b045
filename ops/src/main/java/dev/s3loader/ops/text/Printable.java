package dev.s3loader.ops.text;

/** Keys can hold control characters; a terminal report never prints them raw. */
public final class Printable {
    private Printable() {
    }

    /** The key in single quotes, with control characters as {@code \\uXXXX}; a very long key shortened (--json has it whole). */
    public static String key(String key) {
        StringBuilder b = new StringBuilder("'");
        key.codePoints().forEach(c -> {
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
                b.append(String.format("\\u%04x", c));
            } else if (c == '\\' || c == '\'') {
                b.append('\\').appendCodePoint(c);
            } else {
                b.appendCodePoint(c);
            }
        });
        String s = b.toString();
        if (s.length() > 200) {
            return s.substring(0, 150) + "…(" + key.length() + " chars)'";
        }
        return s + '\'';
    }
}
