package dev.s3loader.model;

import java.util.Comparator;

/**
 * The order S3 lists keys in: by their UTF-8 bytes, which is the order of their code points.
 * {@link String#compareTo} compares UTF-16 units instead and puts U+10000 and above before
 * U+E000–U+FFFF, so it must never decide where a key falls in a listing.
 */
public final class KeyOrder {
    public static final Comparator<String> UTF8 = KeyOrder::compare;

    private KeyOrder() {
    }

    public static int compare(String a, String b) {
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
