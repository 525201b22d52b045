package dev.s3loader.loader;

import java.util.List;

/**
 * What one batch came to.
 *
 * @param failedMessageIds the messages to hand back to the queue; every other message is done
 * @param processed        files moved to processed/
 * @param failed           files moved to failed/
 * @param skipped          messages that needed nothing (file gone, already moved, overwritten since)
 */
public record BatchOutcome(List<String> failedMessageIds, int processed, long processedBytes, int failed,
                           int skipped) {
    public BatchOutcome {
        failedMessageIds = List.copyOf(failedMessageIds);
    }
}
