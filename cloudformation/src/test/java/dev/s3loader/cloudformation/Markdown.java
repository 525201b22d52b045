package dev.s3loader.cloudformation;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Markdown page as GitHub reads it, as far as the documentation tests need: its headings' anchors,
 * its links and its tables. Lines inside fenced code blocks are neither headings, links nor tables.
 */
final class Markdown {
    private static final Pattern HEADING = Pattern.compile("^(#{1,6}) (.*)$");
    private static final Pattern LINK = Pattern.compile("\\[([^\\]]*)\\]\\(([^)\\s]+)\\)");
    private static final Pattern HTML_ANCHOR = Pattern.compile("<a\\s+(?:id|name)=\"([^\"]+)\"");

    record Link(int line, String text, String target) {
    }

    /** One table: its header cells and its rows' cells, each row with the line it is on. */
    record Table(List<String> header, List<Row> rows) {
    }

    record Row(int line, List<String> cells) {
    }

    final Path path;
    private final List<String> lines;

    Markdown(Path path) {
        this.path = path;
        try {
            this.lines = Files.readAllLines(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The anchors GitHub gives the headings (a repeated heading's gets -1, -2, ...), and explicit {@code <a id>}s. */
    Set<String> anchors() {
        Set<String> out = new LinkedHashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        for (String line : text()) {
            Matcher h = HEADING.matcher(line);
            if (h.matches()) {
                String base = slug(h.group(2));
                int n = seen.merge(base, 1, Integer::sum) - 1;
                out.add(n == 0 ? base : base + "-" + n);
            }
            Matcher a = HTML_ANCHOR.matcher(line);
            while (a.find()) {
                out.add(a.group(1));
            }
        }
        return out;
    }

    /** GitHub's heading anchor: lower case, punctuation but '-' and '_' dropped, each space a '-'. */
    static String slug(String heading) {
        return heading.strip().toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N}\\- _]", "").replace(' ', '-');
    }

    /** Every link outside code (fenced blocks and inline code spans). */
    List<Link> links() {
        List<Link> out = new ArrayList<>();
        List<String> text = text();
        for (int i = 0; i < text.size(); i++) {
            Matcher m = LINK.matcher(text.get(i).replaceAll("`[^`]*`", "``"));
            while (m.find()) {
                out.add(new Link(i + 1, m.group(1), m.group(2)));
            }
        }
        return out;
    }

    /** Every table whose header row's cells are exactly {@code header}. */
    List<Table> tables(List<String> header) {
        List<Table> out = new ArrayList<>();
        List<String> text = text();
        for (int i = 0; i + 1 < text.size(); i++) {
            if (!text.get(i).startsWith("|") || !cells(text.get(i)).equals(header) || !text.get(i + 1).startsWith("|-")
                    && !text.get(i + 1).startsWith("| -")) {
                continue;
            }
            List<Row> rows = new ArrayList<>();
            int j = i + 2;
            for (; j < text.size() && text.get(j).startsWith("|"); j++) {
                rows.add(new Row(j + 1, cells(text.get(j))));
            }
            out.add(new Table(header, rows));
            i = j;
        }
        return out;
    }

    /** The cells of a table row, stripped; a {@code \|} inside a cell is a '|'. */
    static List<String> cells(String row) {
        String inner = row.strip();
        inner = inner.substring(1, inner.endsWith("|") && inner.length() > 1 ? inner.length() - 1 : inner.length());
        List<String> out = new ArrayList<>();
        for (String cell : inner.split("(?<!\\\\)\\|", -1)) {
            out.add(cell.strip().replace("\\|", "|"));
        }
        return out;
    }

    /** The lines with those inside fenced code blocks blanked, so that line numbers stay. */
    private List<String> text() {
        List<String> out = new ArrayList<>();
        boolean fence = false;
        for (String line : lines) {
            boolean marker = line.startsWith("```");
            out.add(fence || marker ? "" : line);
            fence ^= marker;
        }
        return out;
    }

    List<String> lines() {
        return lines;
    }
}
