package dev.s3loader.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Map;

/**
 * What is written beside a file moved to {@code failed/}: enough for an operator to see why,
 * fix it, and put the file back into {@code incoming/}.
 *
 * @param detail destination-specific facts (line, column, database error code); may be empty
 */
public record ErrorReport(String key, String etag, String failedKey, String reason, int attempts,
                          Instant failedAt, Map<String, String> detail) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public ErrorReport {
        detail = Map.copyOf(detail);
    }

    public String toJson() {
        ObjectNode n = JSON.createObjectNode();
        n.put("key", key);
        n.put("etag", etag);
        if (failedKey != null) {
            n.put("failedKey", failedKey);
        } else {
            n.putNull("failedKey");
        }
        n.put("reason", reason);
        n.put("attempts", attempts);
        n.put("failedAt", failedAt.toString());
        ObjectNode d = n.putObject("detail");
        detail.forEach(d::put);
        return n.toPrettyString();
    }

    public static ErrorReport fromJson(String json) {
        try {
            var n = JSON.readTree(json);
            Map<String, String> detail = new java.util.TreeMap<>();
            n.path("detail").properties().forEach(e -> detail.put(e.getKey(), e.getValue().asText()));
            return new ErrorReport(n.path("key").asText(), n.path("etag").asText(),
                    n.path("failedKey").isNull() ? null : n.path("failedKey").asText(),
                    n.path("reason").asText(), n.path("attempts").asInt(),
                    Instant.parse(n.path("failedAt").asText()), detail);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("not an error report: " + e.getMessage(), e);
        }
    }
}
