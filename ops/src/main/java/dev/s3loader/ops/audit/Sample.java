package dev.s3loader.ops.audit;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * An exact count and the first few entries counted: what a report shows of a category without
 * holding all of it, so that its size does not grow with the bucket.
 */
public final class Sample<T> {
    private final int limit;
    private final List<T> shown = new ArrayList<>();
    private long count;

    Sample(int limit) {
        this.limit = limit;
    }

    void add(T entry) {
        count++;
        if (shown.size() < limit) {
            shown.add(entry);
        }
    }

    /** Counts entries that have no key to show. */
    void addUnnamed(long n) {
        count += n;
    }

    public long count() {
        return count;
    }

    /** At most the limit given to the audit, in key order. */
    public List<T> shown() {
        return Collections.unmodifiableList(shown);
    }
}
