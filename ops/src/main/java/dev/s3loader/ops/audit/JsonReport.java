package dev.s3loader.ops.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * The audit's report for scripts ({@code --json}): one JSON object; keys are JSON strings, so any
 * byte of a key (control characters included) survives. Every finding kind is present, with a
 * count of 0 when none was found, so a script can test {@code .findings["ledger-duplicate"].count}.
 */
public final class JsonReport {
    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonReport() {
    }

    public static String toJson(AuditReport r) {
        return toJson(r, java.util.Optional.empty());
    }

    /** @param unchecked why the ledger was not checked although the destination may have one ({@code ledgerNotChecked}) */
    public static String toJson(AuditReport r, java.util.Optional<String> unchecked) {
        ObjectNode root = JSON.createObjectNode();
        root.put("bucket", r.bucket());
        root.put("at", r.at().toString());
        root.put("holds", r.holds());
        root.put("violations", r.violations());
        if (r.ledger().isPresent()) {
            root.put("ledger", r.ledger().get());
        } else {
            root.putNull("ledger");
        }
        if (unchecked.isPresent()) {
            root.put("ledgerNotChecked", unchecked.get());
        }
        ObjectNode incoming = root.putObject("incoming");
        incoming.put("files", r.incomingFiles());
        incoming.put("bytes", r.incomingBytes());
        r.oldestIncomingAge().ifPresentOrElse(a -> incoming.put("oldestAgeSeconds", a.toSeconds()),
                () -> incoming.putNull("oldestAgeSeconds"));
        incoming.put("waiting", r.waiting());
        incoming.set("inFlight", sample(r.inFlight(), "dispatches"));
        incoming.set("stuck", sample(r.stuck(), "dispatches"));
        ObjectNode processed = root.putObject("processed");
        processed.put("files", r.processedFiles());
        processed.put("bytes", r.processedBytes());
        ObjectNode failed = sample(r.failed(), "reason");
        failed.put("errorReports", r.errorReports());
        root.set("failed", failed);
        root.put("ledgerRows", r.ledger().isPresent() ? r.ledgerRows() : 0);
        root.put("listerStateEntries", r.stateEntries());
        root.put("peakJoinEntries", r.peakJoinEntries());
        ObjectNode findings = root.putObject("findings");
        Map<FindingKind, Sample<AuditReport.Entry>> found = r.findings();
        for (FindingKind k : FindingKind.values()) {
            Sample<AuditReport.Entry> s = found.getOrDefault(k, new Sample<>(0));
            ObjectNode f = sample(s, "detail");
            f.put("violation", k.violation());
            f.put("description", k.description());
            findings.set(k.id(), f);
        }
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectNode sample(Sample<AuditReport.Entry> s, String detailName) {
        ObjectNode n = JSON.createObjectNode();
        n.put("count", s.count());
        ArrayNode keys = n.putArray("keys");
        for (AuditReport.Entry e : s.shown()) {
            ObjectNode k = keys.addObject();
            k.put("key", e.key());
            k.put(detailName, e.detail());
        }
        return n;
    }
}
