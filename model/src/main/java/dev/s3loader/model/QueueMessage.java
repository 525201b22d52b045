package dev.s3loader.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * The files one queue message names. Two senders share the queue:
 * <ul>
 *   <li>the lister: one {@link FileMessage};</li>
 *   <li>S3 itself, when the event fast path is on: an event notification whose {@code Records}
 *       each name one created object (key form-URL-encoded, see {@link S3EventKey}; etag without
 *       quotes, quoted here as S3's other APIs return it, so that the lister's and the event's
 *       message for one version name the same (key, etag) and the ledger sees one file), or the
 *       {@code s3:TestEvent} S3 sends when the notification is configured, which names none.</li>
 * </ul>
 * Records of other event types name no file (a notification configured wider than
 * {@code s3:ObjectCreated:*} must not make the loader act on a delete), nor do zero-byte keys
 * ending in {@code /} (folder markers, which the lister skips too). Anything else is a
 * {@link MalformedMessageException}.
 */
public final class QueueMessage {
    private QueueMessage() {
    }

    public static List<FileMessage> files(String body) {
        JsonNode n = FileMessage.object(body);
        if (n.has("Records")) {
            return eventFiles(n.get("Records"));
        }
        if (n.has("Event") && !n.has("key")) {
            if ("s3:TestEvent".equals(n.path("Event").asText())) {
                return List.of();
            }
            throw new MalformedMessageException("unknown S3 message: Event " + n.get("Event"));
        }
        return List.of(FileMessage.fromTree(n));
    }

    private static List<FileMessage> eventFiles(JsonNode records) {
        if (!records.isArray() || records.isEmpty()) {
            throw new MalformedMessageException("'Records' is not a non-empty array");
        }
        List<FileMessage> files = new ArrayList<>();
        for (JsonNode r : records) {
            String name = r.path("eventName").asText("");
            if (!"aws:s3".equals(r.path("eventSource").asText()) || !name.startsWith("ObjectCreated:")) {
                continue;
            }
            JsonNode object = r.path("s3").path("object");
            JsonNode size = object.get("size");
            if (size == null || !size.isIntegralNumber() || !size.canConvertToLong()) {
                throw new MalformedMessageException("event record without a whole-number s3.object.size");
            }
            String etag = text(object, "eTag", "s3.object.eTag");
            String key = S3EventKey.decode(text(object, "key", "s3.object.key"));
            if (key.endsWith("/") && size.longValue() == 0) {
                // A zero-byte "folder" marker, which the lister does not count as a file either.
                continue;
            }
            try {
                files.add(new FileMessage(text(r.path("s3").path("bucket"), "name", "s3.bucket.name"), key,
                        etag.startsWith("\"") ? etag : '"' + etag + '"', size.longValue(),
                        Instant.parse(text(r, "eventTime", "eventTime"))));
            } catch (DateTimeParseException e) {
                throw new MalformedMessageException("eventTime is not an ISO-8601 instant: " + e.getParsedString());
            }
        }
        return files;
    }

    private static String text(JsonNode n, String field, String path) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual() || v.textValue().isEmpty()) {
            throw new MalformedMessageException("event record: '" + path + "' is missing or not a string");
        }
        return v.textValue();
    }
}
