package dev.s3loader.ops.audit;

import java.util.List;
import java.util.Optional;

/**
 * Everything the bucket and the ledger hold for one relative key, as the join hands it over.
 *
 * @param ledgerEtags the etags of the ledger rows for {@code incoming/<relative>}, repeats included
 */
record KeyRow(String relative, Optional<StageObject> incoming, Optional<StageObject> processed,
              Optional<StageObject> failed, List<String> ledgerEtags) {
    int places() {
        return (incoming.isPresent() ? 1 : 0) + (processed.isPresent() ? 1 : 0) + (failed.isPresent() ? 1 : 0);
    }
}
