package dev.s3loader.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The preflight request and its answer, as the loader function receives and returns them (and as
 * the container worker prints it). The request is a JSON object no SQS event can be:
 * {@value #REQUEST}; the answer {@code {"s3loader":"preflight","ok":true,"items":[{name, ok, detail, fix}…]}}.
 */
public final class PreflightAnswer {
    public static final String REQUEST = "{\"s3loader\":\"preflight\"}";
    private static final ObjectMapper JSON = new ObjectMapper();

    private PreflightAnswer() {
    }

    /** True for the preflight request: an object whose "s3loader" member is "preflight". */
    public static boolean isRequest(JsonNode event) {
        return event != null && event.isObject() && "preflight".equals(event.path("s3loader").asText(null));
    }

    public static String toJson(List<CheckItem> items) {
        ObjectNode root = JSON.createObjectNode();
        root.put("s3loader", "preflight");
        root.put("ok", items.stream().allMatch(CheckItem::ok));
        ArrayNode list = root.putArray("items");
        for (CheckItem i : items) {
            ObjectNode n = list.addObject();
            n.put("name", i.name());
            n.put("ok", i.ok());
            n.put("detail", i.detail());
            n.put("fix", i.fix());
        }
        return root.toString();
    }

    /**
     * The items of an answer.
     *
     * @throws IllegalArgumentException when the text is not a preflight answer (e.g. an older loader
     *                                  answered the request as an empty SQS event)
     */
    public static List<CheckItem> fromJson(String text) {
        JsonNode root;
        try {
            root = JSON.readTree(text == null ? "" : text);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + abbreviate(text));
        }
        if (root == null || !root.isObject() || !"preflight".equals(root.path("s3loader").asText(null))
                || !root.path("items").isArray()) {
            throw new IllegalArgumentException("not a preflight answer: " + abbreviate(text));
        }
        List<CheckItem> items = new ArrayList<>();
        for (JsonNode n : root.get("items")) {
            items.add(new CheckItem(n.path("name").asText("?"), n.path("ok").asBoolean(false), n.path("detail").asText(""),
                    n.path("fix").asText("")));
        }
        return items;
    }

    private static String abbreviate(String text) {
        if (text == null) {
            return "(nothing)";
        }
        String t = text.strip();
        return t.length() > 200 ? t.substring(0, 200) + "…" : t;
    }
}
