package dev.s3loader.ops.audit;

import dev.s3loader.loader.destination.LedgerRow;
import dev.s3loader.model.KeyOrder;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;

/**
 * Merge-joins the listings of {@code incoming/}, {@code processed/} and {@code failed/} and the
 * ledger's rows by relative key, all four in UTF-8 byte order, in one pass: the smallest head
 * becomes the next {@link KeyRow}. It holds one head per source and the ledger rows of the current
 * key, never more; {@link #peakHeld()} measures that, so a test can prove the join's memory does
 * not grow with the bucket. With PROCESSED_KEY_TEMPLATE, processed/ arrives through
 * {@link ProcessedListing} (one head per partition) in relative-key order like the others, and the
 * copies of one relative key under several partitions come out together in one row.
 */
final class StageJoin implements Iterator<KeyRow> {
    private final StageStream incoming;
    private final StageStream processed;
    private final StageStream failed;
    private final LedgerRows ledger;
    private int peakHeld;

    StageJoin(StageStream incoming, StageStream processed, StageStream failed, LedgerRows ledger) {
        this.incoming = incoming;
        this.processed = processed;
        this.failed = failed;
        this.ledger = ledger;
    }

    @Override
    public boolean hasNext() {
        return incoming.hasNext() || processed.hasNext() || failed.hasNext() || ledger.hasNext();
    }

    @Override
    public KeyRow next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        String smallest = null;
        for (String head : heads()) {
            if (head != null && (smallest == null || KeyOrder.compare(head, smallest) < 0)) {
                smallest = head;
            }
        }
        Optional<StageObject> i = take(incoming, smallest);
        Optional<StageObject> p = take(processed, smallest);
        Optional<StageObject> f = take(failed, smallest);
        List<StageObject> moreProcessed = new ArrayList<>(0);
        while (p.isPresent() && processed.hasNext() && processed.peek().relative().equals(smallest)) {
            moreProcessed.add(processed.next());
        }
        List<String> etags = ledger.hasNext() && ledger.peek().equals(smallest) ? ledger.takeEtags() : List.of();
        int held = etags.size() + (i.isPresent() ? 1 : 0) + (p.isPresent() ? 1 : 0) + (f.isPresent() ? 1 : 0)
                + moreProcessed.size() + incoming.heads() + processed.heads() + failed.heads()
                + ledger.held();
        peakHeld = Math.max(peakHeld, held);
        return new KeyRow(smallest, i, p, f, etags, moreProcessed);
    }

    /** The most entries (listed objects and ledger rows) the join held at once so far. */
    int peakHeld() {
        return peakHeld;
    }

    /** Ledger rows whose key is outside {@code incoming/}: they cannot join any file. */
    long ledgerRowsOutsideIncoming() {
        return ledger.outside();
    }

    private String[] heads() {
        return new String[] {
            incoming.hasNext() ? incoming.peek().relative() : null,
            processed.hasNext() ? processed.peek().relative() : null,
            failed.hasNext() ? failed.peek().relative() : null,
            ledger.hasNext() ? ledger.peek() : null};
    }

    private static Optional<StageObject> take(StageStream listing, String relative) {
        return listing.hasNext() && listing.peek().relative().equals(relative) ? Optional.of(listing.next()) : Optional.empty();
    }

    /**
     * The ledger's rows as relative keys, checked to arrive in byte order; rows of keys outside
     * {@code incoming/} are counted and left out. Holds one row of look-ahead.
     */
    static final class LedgerRows {
        private final Iterator<LedgerRow> rows;
        private final String incomingPrefix;
        private LedgerRow lookahead;
        private String previousKey;
        private long outside;

        LedgerRows(Iterator<LedgerRow> rows, String incomingPrefix) {
            this.rows = rows;
            this.incomingPrefix = incomingPrefix;
            this.lookahead = advance();
        }

        static LedgerRows none() {
            return new LedgerRows(java.util.Collections.emptyIterator(), "");
        }

        private LedgerRow advance() {
            while (rows.hasNext()) {
                LedgerRow r = rows.next();
                if (previousKey != null && KeyOrder.compare(previousKey, r.key()) > 0) {
                    throw new ListingOrderException("the ledger", previousKey, r.key());
                }
                previousKey = r.key();
                if (r.key().startsWith(incomingPrefix) && r.key().length() > incomingPrefix.length()) {
                    return r;
                }
                outside++;
            }
            return null;
        }

        boolean hasNext() {
            return lookahead != null;
        }

        String peek() {
            return lookahead.key().substring(incomingPrefix.length());
        }

        int held() {
            return lookahead == null ? 0 : 1;
        }

        long outside() {
            return outside;
        }

        /** The etags of every row of the next key (a key has one row per loaded version). */
        List<String> takeEtags() {
            String key = lookahead.key();
            List<String> etags = new ArrayList<>(1);
            while (lookahead != null && lookahead.key().equals(key)) {
                etags.add(lookahead.etag());
                lookahead = advance();
            }
            return etags;
        }
    }
}
