package dev.s3loader.ops.check;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.s3loader.model.CheckItem;
import java.io.PrintStream;
import java.util.List;

/** The check's report as text (one line per item; a problem's line ends with what to do) or as one JSON object. */
public final class CheckOutput {
    private static final ObjectMapper JSON = new ObjectMapper();

    private CheckOutput() {
    }

    public static void text(CheckReport r, PrintStream out) {
        out.printf("s3loader check of %s at %s%n", r.target(), r.at());
        out.println("wiring");
        r.wiring().forEach(i -> out.println(line(i)));
        out.println("loader (" + r.loaderSource() + ")");
        r.loader().forEach(i -> out.println(line(i)));
        long n = r.problems();
        int all = r.wiring().size() + r.loader().size();
        out.println(n == 0 ? "result: all " + all + " hold (exit status 0)"
                : "result: " + n + (n == 1 ? " problem" : " problems") + " (exit status 1)");
    }

    static String line(CheckItem i) {
        String head = (i.ok() ? "  ok       " : "  PROBLEM  ") + i.name() + ": " + i.detail();
        return i.ok() ? head : head + " -- do: " + i.fix();
    }

    public static String json(CheckReport r) {
        ObjectNode root = JSON.createObjectNode();
        root.put("target", r.target());
        root.put("at", r.at().toString());
        root.put("holds", r.holds());
        root.put("problems", r.problems());
        root.put("loaderSource", r.loaderSource());
        add(root.putArray("wiring"), r.wiring());
        add(root.putArray("loader"), r.loader());
        return root.toString();
    }

    private static void add(ArrayNode array, List<CheckItem> items) {
        for (CheckItem i : items) {
            ObjectNode n = array.addObject();
            n.put("name", i.name());
            n.put("ok", i.ok());
            n.put("detail", i.detail());
            if (!i.ok()) {
                n.put("fix", i.fix());
            }
        }
    }
}
