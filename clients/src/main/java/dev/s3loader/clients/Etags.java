package dev.s3loader.clients;

/** ETags as S3 and S3-compatible stores print them: with or without quotes, hex digits in either case. */
public final class Etags {
    private Etags() {
    }

    /** Whether two etags name the same version: equal hex digits, whatever the quotes or case; never for a null. */
    public static boolean same(String a, String b) {
        return a != null && b != null && bare(a).equalsIgnoreCase(bare(b));
    }

    private static String bare(String etag) {
        String t = etag.strip();
        return t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"") ? t.substring(1, t.length() - 1) : t;
    }
}
