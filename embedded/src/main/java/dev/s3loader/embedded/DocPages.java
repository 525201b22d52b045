package dev.s3loader.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The documentation pages under {@code docs/}, for the tests that hold the code to a page's table or
 * example (the bad-input table, the Logs Insights queries, ...). Tests run with their module's
 * directory as working directory, so the repository root is its parent unless
 * {@code -Ds3loader.root} says otherwise.
 */
public final class DocPages {
    private DocPages() {
    }

    /** The whole text of {@code docs/<name>}, e.g. {@code page("configuration.md")}. */
    public static String page(String name) {
        Path root = Path.of(System.getProperty("s3loader.root", ".."));
        try {
            return Files.readString(root.resolve("docs").resolve(name), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("documentation page docs/" + name, e);
        }
    }

    /**
     * The lines below the heading whose text is exactly {@code heading} (at any level), up to the next
     * heading of the same or a higher level; sub-sections are included. Lines inside code blocks are
     * never taken for headings.
     *
     * @throws IllegalArgumentException when the page has no such heading, naming both
     */
    public static List<String> section(String name, String heading) {
        List<String> out = new ArrayList<>();
        int level = 0;
        boolean fence = false;
        for (String line : page(name).split("\n", -1)) {
            if (line.startsWith("```")) {
                fence = !fence;
            }
            int hashes = fence ? 0 : headingLevel(line);
            if (level == 0) {
                if (hashes > 0 && line.substring(hashes + 1).strip().equals(heading)) {
                    level = hashes;
                }
            } else if (hashes > 0 && hashes <= level) {
                break;
            } else {
                out.add(line);
            }
        }
        if (level == 0) {
            throw new IllegalArgumentException("docs/" + name + " has no heading '" + heading + "'");
        }
        return out;
    }

    private static int headingLevel(String line) {
        int n = 0;
        while (n < line.length() && line.charAt(n) == '#') {
            n++;
        }
        return n > 0 && n < line.length() && line.charAt(n) == ' ' ? n : 0;
    }
}
