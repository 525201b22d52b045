package dev.s3loader.loader.destination.postgres;

import dev.s3loader.model.CsvOptions;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * A CSV stream with some columns cut out of every line (EXTRA_COLUMNS=ignore): PostgreSQL's COPY
 * cannot skip a field of the file. Streams byte by byte with a fixed buffer, so memory stays flat;
 * quotes are honoured (a delimiter or line break inside quotes is data), and the delimiter and
 * quote are one ASCII byte, so UTF-8 text passes unchanged. Fields past the header's count are
 * kept, so that COPY still reports a line with too many fields.
 */
final class CsvColumnFilter extends InputStream {
    private static final int BUFFER = 64 * 1024;

    private final InputStream in;
    private final boolean[] keep;
    private final int delimiter;
    private final int quote;
    private final byte[] inBuf = new byte[BUFFER];
    private int inPos;
    private int inLen;
    private boolean quoted;
    private int field;
    /** A kept field has begun in this line: the next kept field is preceded by a delimiter. */
    private boolean keptBefore;

    CsvColumnFilter(InputStream in, List<Boolean> keep, CsvOptions csv) {
        this.in = in;
        this.keep = new boolean[keep.size()];
        for (int i = 0; i < keep.size(); i++) {
            this.keep[i] = keep.get(i);
        }
        this.delimiter = csv.delimiter();
        this.quote = csv.quote();
        this.keptBefore = kept(0);
    }

    private boolean kept(int i) {
        return i >= keep.length || keep[i];
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] out, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        int written = 0;
        // Each input byte yields at most one output byte, so reading no more than `len` input bytes never overflows.
        while (written == 0) {
            if (inPos == inLen) {
                inLen = in.read(inBuf, 0, Math.min(inBuf.length, len));
                inPos = 0;
                if (inLen < 0) {
                    inLen = 0;
                    return -1;
                }
            }
            while (inPos < inLen && written < len) {
                int b = inBuf[inPos++] & 0xff;
                if (quoted) {
                    if (b == quote) {
                        quoted = false;
                    }
                    if (kept(field)) {
                        out[off + written++] = (byte) b;
                    }
                } else if (b == quote) {
                    quoted = true;
                    if (kept(field)) {
                        out[off + written++] = (byte) b;
                    }
                } else if (b == delimiter) {
                    field++;
                    if (kept(field)) {
                        if (keptBefore) {
                            out[off + written++] = (byte) b;
                        }
                        keptBefore = true;
                    }
                } else if (b == '\n' || b == '\r') {
                    // A line ends (\r of \r\n too): the line break is kept whichever fields are.
                    out[off + written++] = (byte) b;
                    if (b == '\n') {
                        field = 0;
                        keptBefore = kept(0);
                    }
                } else if (kept(field)) {
                    out[off + written++] = (byte) b;
                }
            }
        }
        return written;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
