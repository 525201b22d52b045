package dev.s3loader.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * The SQS message the lister sends for one file: the version of the object it saw. The loader acts
 * only on that version (copies are conditional on the etag), so a stale message is harmless.
 */
public record FileMessage(String bucket, String key, String etag, long size, Instant lastModified) {
    private static final ObjectMapper JSON = new ObjectMapper();
    // SQS accepts only some Unicode in a body; escaping everything non-ASCII makes any key safe to send.
    private static final ObjectWriter WRITER = JSON.writer().with(JsonWriteFeature.ESCAPE_NON_ASCII);

    public FileMessage {
        require(bucket, "bucket");
        require(key, "key");
        require(etag, "etag");
        if (size < 0) {
            throw new MalformedMessageException("size must not be negative: " + size);
        }
        if (lastModified == null) {
            throw new MalformedMessageException("lastModified is missing");
        }
    }

    /** The same version with the LastModified S3 reports for it (the one processed/ partitions by). */
    public FileMessage withLastModified(Instant at) {
        return new FileMessage(bucket, key, etag, size, at);
    }

    public String toJson() {
        ObjectNode n = JSON.createObjectNode();
        n.put("bucket", bucket);
        n.put("key", key);
        n.put("etag", etag);
        n.put("size", size);
        n.put("lastModified", lastModified.toString());
        try {
            return WRITER.writeValueAsString(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Parses a message body; anything that is not a complete file message is a {@link MalformedMessageException}. */
    public static FileMessage fromJson(String body) {
        return fromTree(object(body));
    }

    /** The file message a parsed body holds (the queue's parse hands its tree on rather than parsing again). */
    static FileMessage fromTree(JsonNode n) {
        try {
            return new FileMessage(text(n, "bucket"), text(n, "key"), text(n, "etag"),
                    number(n, "size"), Instant.parse(text(n, "lastModified")));
        } catch (DateTimeParseException e) {
            throw new MalformedMessageException("lastModified is not an ISO-8601 instant: " + e.getParsedString());
        }
    }

    /** A message body parsed once: a JSON object, or a {@link MalformedMessageException}. */
    static JsonNode object(String body) {
        if (body == null || body.isBlank()) {
            throw new MalformedMessageException("empty message body");
        }
        JsonNode n;
        try {
            n = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new MalformedMessageException("message body is not JSON: " + e.getOriginalMessage());
        }
        if (n == null || !n.isObject()) {
            throw new MalformedMessageException("message body is not a JSON object");
        }
        return n;
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) {
            throw new MalformedMessageException("field '" + field + "' is missing or not a string");
        }
        return v.textValue();
    }

    private static long number(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.canConvertToLong() || !v.isIntegralNumber()) {
            throw new MalformedMessageException("field '" + field + "' is missing or not a whole number");
        }
        return v.longValue();
    }

    private static void require(String v, String field) {
        if (v == null || v.isEmpty()) {
            throw new MalformedMessageException("field '" + field + "' is missing or empty");
        }
    }
}
