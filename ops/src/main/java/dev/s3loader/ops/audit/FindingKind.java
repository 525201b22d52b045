package dev.s3loader.ops.audit;

/**
 * What the audit can find. A violation breaks one of the design's invariants and makes the audit
 * fail; a note describes a state a running pipeline passes through or an operator left behind.
 */
public enum FindingKind {
    KEY_IN_TWO_PLACES("key-in-two-places", true,
            "the same file version is in more than one of incoming/, processed/, failed/ and no loader is moving it"),
    FAILED_WITHOUT_REPORT("failed-without-report", true, "files in failed/ without their error report"),
    LOADED_FILE_IN_FAILED("loaded-file-in-failed", true, "files in failed/ whose key the ledger holds as loaded"),
    LEDGER_ROW_WITHOUT_PROCESSED_FILE("ledger-row-without-processed-file", true,
            "ledger rows whose key is in none of processed/, incoming/"),
    PROCESSED_WITHOUT_LEDGER_ROW("processed-without-ledger-row", true, "files in processed/ the ledger has no row for"),
    PROCESSED_TWICE("processed-twice", true,
            "the same file version (etag) under more than one partition of processed/ (PROCESSED_KEY_TEMPLATE)"),
    LEDGER_DUPLICATE("ledger-duplicate", true, "(key, etag) pairs the ledger holds more than once"),
    // A note, not a violation: a real key may end in -<uuid> too, and the embedded S3 server now
    // hides and sweeps its unfinished writes, so such a name is worth a look, not proof of a phantom.
    PHANTOM_OBJECT("phantom-object", false,
            "objects named like an unfinished S3Proxy write (<key>-<uuid>); a real key may look so too"),
    MOVING("moving", false, "in two places while dispatched: a loader is moving it now (run again to confirm)"),
    LOADED_AWAITING_MOVE("loaded-awaiting-move", false,
            "still in incoming/ although the ledger holds this version: the next delivery only moves it"),
    LOADED_SEVERAL_VERSIONS("loaded-several-versions", false,
            "keys the ledger holds under several etags (overwritten, or put back from failed/ with a new etag)"),
    REPORT_WITHOUT_FAILED_FILE("report-without-failed-file", false,
            "error reports whose file is no longer in failed/ (put back into incoming/, or removed)"),
    PROCESSED_OUTSIDE_TEMPLATE("processed-outside-template", false,
            "files in processed/ not of PROCESSED_KEY_TEMPLATE's form (written before it was set): joined by their key below processed/"),
    LISTER_STATE_UNREADABLE("lister-state-unreadable", false,
            "the lister's state object cannot be decoded: nothing counts as in flight (the lister starts afresh too)"),
    LEDGER_ROW_OUTSIDE_INCOMING("ledger-row-outside-incoming", false,
            "ledger rows whose key is not under the incoming prefix (another layout's rows)");

    private final String id;
    private final boolean violation;
    private final String description;

    FindingKind(String id, boolean violation, String description) {
        this.id = id;
        this.violation = violation;
        this.description = description;
    }

    public String id() {
        return id;
    }

    public boolean violation() {
        return violation;
    }

    public String description() {
        return description;
    }
}
