package dev.s3loader.local;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The demo's files: many ordinary CSV files, the awkward keys that break naive code, an empty
 * file, a file with a malformed row (a database destination rejects it), and one file that cannot
 * be processed at all (its key is too long for processed/).
 */
public final class SampleSet {
    /** One file to drop: its key below incoming/, its bytes, and how many data rows it holds. */
    public record SampleFile(String relativeKey, byte[] content, int rows) {
    }

    public static final String HEADER = "id,name,amount,note\n";

    /**
     * Keys that have broken loaders before: URL and SQL metacharacters, unicode, empty segments,
     * control characters (U+0001 cannot appear in an XML listing unless URL-encoded; a raw CR turns
     * into LF), a TAB, a trailing space, and a name shaped like S3Proxy's temporary files.
     */
    public static final List<String> AWKWARD_KEYS = List.of(
            "awkward/with space/file one.csv",
            "awkward/plus+sign.csv",
            "awkward/percent%2Fencoded%20.csv",
            "awkward/quote'single\"double.csv",
            "awkward/query#?&=fragment.csv",
            "awkward/ünïcödé/日本語.csv",
            "awkward/emoji 😀/🚀 launch.csv",
            "awkward/a//b.csv",
            "awkward/semi;colon' OR '1'='1;--.csv",
            "awkward/back\\slash and ~tilde*star.csv",
            "awkward/ctl\u0001char.csv",
            "awkward/cr\rin key.csv",
            "awkward/tab\tin key.csv",
            "awkward/trailing space.csv ",
            "awkward/looks like a temp file.csv-0f8fad5b-d4cb-4e6f-a3e1-9e2b5e0c7f31");

    private SampleSet() {
    }

    public static List<SampleFile> generate(int ordinaryFiles, int rowsPerFile) {
        List<SampleFile> files = new ArrayList<>();
        long id = 0;
        for (int i = 0; i < ordinaryFiles; i++) {
            files.add(csv(String.format("2026/11/23/producer-%d/part-%05d.csv", i % 8, i), id, rowsPerFile));
            id += rowsPerFile;
        }
        for (String key : AWKWARD_KEYS) {
            files.add(csv(key, id, rowsPerFile));
            id += rowsPerFile;
        }
        files.add(new SampleFile("awkward/empty.csv", new byte[0], 0));
        files.add(malformed(id));
        id += 3;
        files.add(csv(tooLongForProcessed(), id, 1));
        return files;
    }

    /** A CSV file whose third data row (line 4, counting the header) has a non-numeric id: a database rejects it whole. */
    public static SampleFile malformed(long firstId) {
        String csv = HEADER + firstId + ",good,1.5,ok\n" + (firstId + 1) + ",good,2.5,ok\n" + "not-a-number,bad,3.5,broken\n";
        return new SampleFile(MALFORMED_KEY, csv.getBytes(StandardCharsets.UTF_8), 3);
    }

    public static final String MALFORMED_KEY = "awkward/malformed rows.csv";

    /**
     * A relative key that makes incoming/ exactly 1,024 bytes long, the most S3 allows, so it
     * cannot take the longer processed/ prefix. Slashes keep every path segment short enough for
     * a filesystem-backed S3 server.
     */
    public static String tooLongForProcessed() {
        StringBuilder b = new StringBuilder("unprocessable/");
        int target = 1024 - "incoming/".length();
        while (b.length() < target) {
            b.append(b.length() % 200 == 199 ? '/' : 'k');
        }
        if (b.charAt(b.length() - 1) == '/') {
            b.setCharAt(b.length() - 1, 'k');
        }
        return b.toString();
    }

    private static SampleFile csv(String key, long firstId, int rows) {
        StringBuilder b = new StringBuilder(HEADER);
        for (int r = 0; r < rows; r++) {
            long id = firstId + r;
            b.append(id).append(",name-").append(id).append(',').append(id % 1000).append('.').append(id % 100)
                    .append(",\"quoted, with comma\"\n");
        }
        return new SampleFile(key, b.toString().getBytes(StandardCharsets.UTF_8), rows);
    }
}
