package dev.s3loader.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Optional;

/**
 * What the lister's last run did, as it records it ({@link Layout#listerLastRunKey()}) for the
 * operator's {@code s3loader status}: when it ran, whether it finished, and its figures. A failed
 * run has its error and no figures (what it saw was not saved).
 *
 * @param error   empty when the run dispatched and saved its state
 * @param figures present when the run finished
 */
public record ListerRun(Instant startedAt, Instant endedAt, Optional<String> error, Optional<Figures> figures) {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** An error message is a diagnosis, not a log: long ones are cut to this many characters. */
    static final int MAX_ERROR_CHARS = 2000;

    /**
     * @param listed       files this run listed (part of incoming/ when a pass spans several runs)
     * @param dispatched   messages SQS accepted this run, requeues included
     * @param requeued     of those, files sent again because their message was gone
     * @param backlogFiles the backlog as the metrics report it (the last complete pass while one is under way)
     */
    public record Figures(long listed, int dispatched, int requeued, int inFlight, int stuck, long waiting,
                          long backlogFiles, long backlogBytes, long oldestAgeSeconds, boolean passComplete) {
    }

    public ListerRun {
        error = error.map(e -> e.length() > MAX_ERROR_CHARS ? e.substring(0, MAX_ERROR_CHARS) + "…" : e);
    }

    public static ListerRun ok(Instant startedAt, Instant endedAt, Figures figures) {
        return new ListerRun(startedAt, endedAt, Optional.empty(), Optional.of(figures));
    }

    public static ListerRun failed(Instant startedAt, Instant endedAt, String error) {
        return new ListerRun(startedAt, endedAt, Optional.of(error), Optional.empty());
    }

    public boolean ok() {
        return error.isEmpty();
    }

    public String toJson() {
        ObjectNode n = JSON.createObjectNode();
        n.put("startedAt", startedAt.toString());
        n.put("endedAt", endedAt.toString());
        n.put("outcome", ok() ? "ok" : "failed");
        error.ifPresentOrElse(e -> n.put("error", e), () -> n.putNull("error"));
        figures.ifPresent(f -> {
            n.put("listed", f.listed());
            n.put("dispatched", f.dispatched());
            n.put("requeued", f.requeued());
            n.put("inFlight", f.inFlight());
            n.put("stuck", f.stuck());
            n.put("waiting", f.waiting());
            n.put("backlogFiles", f.backlogFiles());
            n.put("backlogBytes", f.backlogBytes());
            n.put("oldestAgeSeconds", f.oldestAgeSeconds());
            n.put("passComplete", f.passComplete());
        });
        return n.toPrettyString();
    }

    public static ListerRun fromJson(String json) {
        JsonNode n;
        try {
            n = JSON.readTree(json);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("not a lister run record: " + e.getMessage(), e);
        }
        if (n == null || !n.isObject() || !n.path("startedAt").isTextual() || !n.path("outcome").isTextual()) {
            throw new IllegalArgumentException("not a lister run record: startedAt or outcome missing");
        }
        try {
            Instant started = Instant.parse(n.path("startedAt").asText());
            Instant ended = Instant.parse(n.path("endedAt").asText());
            if (!"ok".equals(n.path("outcome").asText())) {
                return failed(started, ended, n.path("error").asText(""));
            }
            return ok(started, ended, new Figures(n.path("listed").asLong(), n.path("dispatched").asInt(),
                    n.path("requeued").asInt(), n.path("inFlight").asInt(), n.path("stuck").asInt(),
                    n.path("waiting").asLong(), n.path("backlogFiles").asLong(), n.path("backlogBytes").asLong(),
                    n.path("oldestAgeSeconds").asLong(), n.path("passComplete").asBoolean()));
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException("not a lister run record: " + e.getMessage(), e);
        }
    }
}
