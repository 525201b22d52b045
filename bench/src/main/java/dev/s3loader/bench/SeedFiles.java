package dev.s3loader.bench;

import dev.s3loader.model.DestinationKind;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The bench's files, generated from their index so that nothing is kept per file: the same index
 * always gives the same key suffix and the same bytes (the psql peer writes the very files the
 * pipeline loaded). For the copy destination, bytes of the requested size; for postgres, a CSV with
 * a header and as many rows of the sample table as fill about that size, ids unique across files.
 */
public final class SeedFiles {
    private final int count;
    private final int size;
    private final boolean csv;
    private final int rowsPerFile;

    public SeedFiles(int count, int size, DestinationKind destination) {
        this.count = count;
        this.size = size;
        this.csv = destination == DestinationKind.POSTGRES;
        this.rowsPerFile = csv ? Math.max(1, (size - HEADER.length()) / ROW_BYTES) : 0;
    }

    private static final String HEADER = "id,name,amount,note\n";
    private static final int ROW_BYTES = 40; // a row as row() writes it, give or take a digit

    public int count() {
        return count;
    }

    public int rowsPerFile() {
        return rowsPerFile;
    }

    /** Key below incoming/ (or any prefix): spread over 100 folders, as producers usually write. */
    public String relativeKey(int i) {
        return String.format(Locale.ROOT, "d%02d/f%08d.%s", i % 100, i, csv ? "csv" : "bin");
    }

    public byte[] content(int i) {
        if (!csv) {
            byte[] b = new byte[size];
            long x = 0x9E3779B97F4A7C15L * (i + 1);
            for (int j = 0; j < size; j++) {
                x ^= x << 13;
                x ^= x >>> 7;
                x ^= x << 17;
                b[j] = (byte) ('a' + Math.floorMod(x, 26));
            }
            return b;
        }
        StringBuilder s = new StringBuilder(size + ROW_BYTES).append(HEADER);
        long first = (long) i * rowsPerFile;
        for (int r = 0; r < rowsPerFile; r++) {
            long id = first + r;
            s.append(id).append(",name-").append(id % 9973).append(',').append(id % 100_000).append(".25,bench row\n");
        }
        return s.toString().getBytes(StandardCharsets.UTF_8);
    }
}
