package dev.s3loader.loader;

/**
 * The boundaries between a batch's steps, where a worker can die. Each is a point a
 * {@link StepHook} sees, so tests can stop a worker at every one in turn and prove that the next
 * delivery finishes the job exactly once.
 */
public enum Step {
    /** The batch's messages are received and parsed; nothing is done yet. */
    RECEIVED,
    /** The destination returned: what it loaded is committed, with its ledger rows. */
    LOADED,
    /** One file is copied to processed/ or failed/; its source is still in incoming/. */
    COPIED,
    /** One file's source is deleted from incoming/; its message is not yet acknowledged. */
    DELETED,
    /** Every file is settled; the answer to the queue (acknowledgement) is next. */
    BEFORE_ACK
}
