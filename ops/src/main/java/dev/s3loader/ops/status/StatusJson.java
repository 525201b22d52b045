package dev.s3loader.ops.status;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The status for scripts ({@code --json}): one JSON object; keys are JSON strings, so any byte of a
 * key survives. Every field is always present (null where there is nothing, e.g. no lister run yet).
 */
public final class StatusJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private StatusJson() {
    }

    /** @param pretty indented over several lines; otherwise one line (for --watch: one object per line) */
    public static String toJson(StatusReport r, boolean pretty) {
        ObjectNode root = JSON.createObjectNode();
        root.put("bucket", r.bucket());
        root.put("at", r.at().toString());
        root.put("healthy", r.healthy());
        ArrayNode problems = root.putArray("problems");
        r.problems().forEach(problems::add);

        StatusReport.Backlog b = r.backlog();
        ObjectNode backlog = root.putObject("backlog");
        backlog.put("files", b.files());
        backlog.put("bytes", b.bytes());
        b.oldestAge(r.at()).ifPresentOrElse(a -> backlog.put("oldestAgeSeconds", a.toSeconds()),
                () -> backlog.putNull("oldestAgeSeconds"));
        backlog.put("inFlight", b.inFlight());
        backlog.put("waiting", b.waiting());
        backlog.put("listerStateEntries", b.stateEntries());
        ObjectNode stuck = root.putObject("stuck");
        stuck.put("count", b.stuckCount());
        ArrayNode stuckKeys = stuck.putArray("keys");
        b.stuck().forEach(s -> stuckKeys.addObject().put("key", s.key()).put("attempts", s.attempts())
                .put("lastDispatch", s.lastDispatch().toString()));

        ObjectNode failed = root.putObject("failed");
        failed.put("count", r.failed().files());
        ArrayNode newest = failed.putArray("newest");
        r.failed().newest().forEach(f -> newest.addObject().put("key", f.key()).put("failedAt", f.failedAt().toString())
                .put("reason", f.reason()));

        root.set("queue", queue(r.queue()));
        root.set("deadLetterQueue", queue(r.deadLetterQueue()));

        StatusReport.LastRun last = r.lastRun();
        if (last.run().isPresent()) {
            try {
                root.set("lastListerRun", JSON.readTree(last.run().get().toJson()));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        } else {
            root.putNull("lastListerRun");
        }
        r.store().ifPresentOrElse(s -> root.put("store", s), () -> root.putNull("store"));
        try {
            return pretty ? JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) : JSON.writeValueAsString(root);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectNode queue(StatusReport.QueueDepth q) {
        ObjectNode n = JSON.createObjectNode();
        n.put("url", q.url());
        n.put("visible", q.visible());
        n.put("inFlight", q.inFlight());
        n.put("delayed", q.delayed());
        return n;
    }
}
