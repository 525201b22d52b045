package dev.s3loader.ops.audit;

import java.util.Comparator;

/**
 * The order S3 lists keys in: UTF-8 byte order, which is Unicode code point order. Java's
 * {@link String#compareTo} compares UTF-16 units instead and disagrees for characters above
 * U+FFFF against U+E000..U+FFFF, so the join never uses it.
 */
final class KeyOrder {
    static final Comparator<String> UTF8 = KeyOrder::compare;

    private KeyOrder() {
    }

    static int compare(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }
}
