package dev.s3loader.ops;

/** The words every verb that moves or deletes uses, so that they read the same everywhere. */
final class Confirm {
    static final String DRY_RUN = "nothing changed; run again with --yes";

    private Confirm() {
    }

    static String bytes(long n) {
        return dev.s3loader.ops.status.Figures.bytes(n);
    }

    static String plural(long n, String one, String many) {
        return n + " " + (n == 1 ? one : many);
    }
}
