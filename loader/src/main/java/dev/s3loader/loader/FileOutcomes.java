package dev.s3loader.loader;

import dev.s3loader.clients.logging.JsonLogs;
import dev.s3loader.clients.logging.LogFields;
import dev.s3loader.model.FileMessage;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * One log line per file of a batch, saying what became of it (README "Logs: one line per file").
 * The {@code outcome} values are a contract with the README's Logs Insights queries:
 * <ul>
 * <li>{@value #LOADED}: this delivery loaded it and moved it to processed/;</li>
 * <li>{@value #PROCESSED}: the ledger already held it (an earlier delivery loaded it); this one
 *     only moved it to processed/;</li>
 * <li>{@value #FAILED}: it can never load; moved to failed/ with its error report;</li>
 * <li>{@value #HANDED_BACK}: a transient failure; its message goes back to the queue;</li>
 * <li>{@value #DUPLICATE}: nothing left to do: gone or replaced since its message, or finished
 *     by another delivery;</li>
 * <li>{@value #IGNORED}: an event named a key outside incoming/; left where it is.</li>
 * </ul>
 * A line never holds file content: a reason quoting a value (a database's "invalid input syntax
 * for type integer: "abc"") has the quoted part cut out; the error report keeps it whole.
 */
final class FileOutcomes {
    static final String LOADED = "loaded";
    static final String PROCESSED = "processed";
    static final String FAILED = "failed";
    static final String HANDED_BACK = "handed_back";
    static final String DUPLICATE = "duplicate";
    static final String IGNORED = "ignored";
    private static final Logger LOG = Logger.getLogger(BatchProcessor.class.getName());
    private static final Pattern QUOTED = Pattern.compile("\"[^\"]*\"|'[^']*'");

    private final String batchId;
    private final String requestId;

    FileOutcomes(String batchId, String requestId) {
        this.batchId = batchId;
        this.requestId = requestId;
    }

    void file(String outcome, FileMessage file, List<Delivery> deliveries, String reason, LogFields extra, Throwable cause) {
        Level level = switch (outcome) {
            case FAILED, HANDED_BACK, IGNORED -> Level.WARNING;
            default -> Level.INFO;
        };
        String safeReason = reason == null ? null : withoutQuotedValues(reason);
        LogFields f = LogFields.of("event", "file", "outcome", outcome, "key", file.key(), "etag", file.etag(),
                "size", file.size(), "reason", safeReason, "messageId", deliveries.getFirst().messageId(),
                "attempt", deliveries.stream().mapToInt(Delivery::receiveCount).max().orElse(1),
                "batchId", batchId, "requestId", requestId);
        if (deliveries.size() > 1) {
            f.with("otherMessageIds", String.join(",", deliveries.subList(1, deliveries.size()).stream()
                    .map(Delivery::messageId).toList()));
        }
        if (extra != null) {
            extra.asMap().forEach(f::with);
        }
        JsonLogs.event(LOG, level, outcome.replace('_', ' ') + " " + file.key() + (safeReason == null ? "" : ": " + safeReason),
                f, cause);
    }

    /** A message that names no file properly: only its id and why. */
    void malformed(Delivery d, String reason) {
        JsonLogs.event(LOG, Level.SEVERE, "malformed message " + d.messageId() + " goes back to the queue (and on to the"
                        + " dead-letter queue): " + withoutQuotedValues(reason),
                LogFields.of("event", "file", "outcome", HANDED_BACK, "reason", "malformed message: "
                                + withoutQuotedValues(reason), "messageId", d.messageId(), "attempt", d.receiveCount(),
                        "batchId", batchId, "requestId", requestId), null);
    }

    /** The batch's summary line, with the figures the EMF line carries and the failures n/m. */
    void batch(int messages, int loaded, int processed, int failed, int skipped, int handedBack, long bytes,
               double seconds) {
        JsonLogs.event(LOG, Level.INFO, String.format(java.util.Locale.ROOT,
                        "batch of %d: loaded %d, processed %d, failed %d, skipped %d, failures %d/%d (%.2fs)",
                        messages, loaded, processed, failed, skipped, handedBack, messages, seconds),
                LogFields.of("event", "batch", "batchId", batchId, "requestId", requestId, "messages", messages,
                        LOADED, loaded, PROCESSED, processed, FAILED, failed, "skipped", skipped,
                        "handedBack", handedBack, "bytes", bytes, "seconds", Math.round(seconds * 1000) / 1000.0));
    }

    static String withoutQuotedValues(String reason) {
        return QUOTED.matcher(reason).replaceAll("\"…\"");
    }
}
