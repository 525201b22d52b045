package dev.s3loader.clients;

/**
 * The S3 conditions s3loader's exactly-once and no-loss promises rest on (design invariant 9),
 * each probed with a wrong etag before the first file is touched: a store keeps its word when it
 * answers 412 Precondition Failed and changes nothing.
 */
public enum StoreCondition {
    PUT_IF_NONE_MATCH("If-None-Match: * on PutObject", "the lister's first state write"),
    PUT_IF_MATCH("If-Match on PutObject", "the lister's state write"),
    GET_IF_MATCH("If-Match on GetObject", "the postgres destination's read of a file's version"),
    HEAD_IF_MATCH("If-Match on HeadObject", "multipart copies; the check of a copy on a store that ignores CopySourceIfMatch"),
    COPY_SOURCE_IF_MATCH("CopySourceIfMatch on CopyObject", "the copy of a file's version to processed/, failed/,"
            + " the archive or Redshift's staging"),
    COPY_IF_NONE_MATCH("If-None-Match: * on CopyObject", "s3loader requeue's copy back into incoming/"),
    UPLOAD_PART_COPY_SOURCE_IF_MATCH("CopySourceIfMatch on UploadPartCopy", "the multipart copy of a large file"),
    DELETE_IF_MATCH("If-Match on DeleteObject", "the delete of a moved file from incoming/"),
    DELETE_OBJECTS_ETAG("the per-key ETag of DeleteObjects", "the delete of a batch's moved files together");

    private final String request;
    private final String usedFor;

    StoreCondition(String request, String usedFor) {
        this.request = request;
        this.usedFor = usedFor;
    }

    /** The request and header, as AWS's documentation names them. */
    public String request() {
        return request;
    }

    /** What s3loader uses it for. */
    public String usedFor() {
        return usedFor;
    }

    /** What a store did with a request carrying the condition and a wrong etag. */
    public enum Verdict {
        /** 412 Precondition Failed, nothing changed: the store keeps its word. */
        HONOURED,
        /** The request went through as if the condition were not there. */
        IGNORED,
        /** The request was refused with another error (e.g. 501 NotImplemented): it can never be used. */
        REFUSED
    }
}
