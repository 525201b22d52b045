package dev.s3loader.ops.audit;

import java.util.Iterator;

/** A stage's objects in relative-key order (UTF-8 byte order), with the next one visible. */
interface StageStream extends Iterator<StageObject> {
    /** The next object without consuming it. */
    StageObject peek();

    /** How many listed objects the stream holds as heads right now (one per listing it merges). */
    default int heads() {
        return hasNext() ? 1 : 0;
    }
}
