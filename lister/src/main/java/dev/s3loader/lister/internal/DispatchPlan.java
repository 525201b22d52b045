package dev.s3loader.lister.internal;

import dev.s3loader.model.InFlight;
import dev.s3loader.model.ListerState;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The outcome of joining one listing with the in-flight state: what to send, and the state to
 * keep. Only files whose message was accepted by SQS become (or stay) in flight.
 *
 * @param toSend  files to dispatch, oldest new files last-in-order after requeues
 * @param kept    in-flight entries that stay as they are (still in incoming/, not due)
 * @param waiting backlog files that were neither in flight nor dispatched for lack of room
 */
public record DispatchPlan(List<Dispatch> toSend, Map<String, InFlight> kept, int stuck, long files, long bytes,
                           Instant oldest, long waiting) {

    /** One message to send and the entry to record for it once SQS accepts it. */
    public record Dispatch(ListedFile file, InFlight entry, Kind kind) {
    }

    public enum Kind { NEW, OVERWRITTEN, REQUEUED }

    /** The state after sending: kept entries, plus every dispatch SQS accepted; a requeue it refused keeps its old entry. */
    public ListerState stateAfter(Set<String> acceptedKeys, Map<String, InFlight> previous) {
        TreeMap<String, InFlight> next = new TreeMap<>(kept);
        for (Dispatch d : toSend) {
            String key = d.file().key();
            if (acceptedKeys.contains(key)) {
                next.put(key, d.entry());
            } else if (d.kind() != Kind.NEW && previous.containsKey(key)) {
                next.put(key, previous.get(key));
            }
        }
        return new ListerState(next);
    }
}
