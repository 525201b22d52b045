package dev.s3loader.ops.audit;

import dev.s3loader.ops.text.Printable;

/**
 * A source handed keys back out of UTF-8 byte order: a merge join over it would give wrong
 * answers, so the audit stops and says so instead.
 */
final class ListingOrderException extends AuditException {
    ListingOrderException(String source, String previous, String next) {
        super(source + " is not in UTF-8 byte order: " + Printable.key(next) + " came after "
                + Printable.key(previous) + "; the audit cannot join it in one pass");
    }
}
