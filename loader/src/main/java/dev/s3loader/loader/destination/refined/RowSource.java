package dev.s3loader.loader.destination.refined;

import java.io.IOException;

/** The rows of one file, read in order from a stream; never more than one row in memory. */
interface RowSource {
    /** The next row, or null at the end. */
    RawRow next() throws IOException, BadRowException;
}
