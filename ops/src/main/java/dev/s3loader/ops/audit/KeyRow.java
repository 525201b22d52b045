package dev.s3loader.ops.audit;

import java.util.List;
import java.util.Optional;

/**
 * Everything the bucket and the ledger hold for one relative key, as the join hands it over.
 *
 * @param ledgerEtags   the etags of the ledger rows for {@code incoming/<relative>}, repeats included
 * @param moreProcessed copies of the same relative key in other partitions of processed/ than {@code processed}
 */
record KeyRow(String relative, Optional<StageObject> incoming, Optional<StageObject> processed,
              Optional<StageObject> failed, List<String> ledgerEtags, List<StageObject> moreProcessed) {
    /** Every copy in processed/, whatever partition. */
    List<StageObject> allProcessed() {
        List<StageObject> all = new java.util.ArrayList<>(moreProcessed.size() + 1);
        processed.ifPresent(all::add);
        all.addAll(moreProcessed);
        return all;
    }

    int places() {
        return (incoming.isPresent() ? 1 : 0) + (processed.isPresent() ? 1 : 0) + (failed.isPresent() ? 1 : 0);
    }
}
