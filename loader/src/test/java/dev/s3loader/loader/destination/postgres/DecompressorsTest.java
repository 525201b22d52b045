package dev.s3loader.loader.destination.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.luben.zstd.ZstdOutputStream;
import dev.s3loader.model.Compression;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream;
import org.junit.jupiter.api.Test;

/**
 * The decompressors stream: the first bytes out need only the first part of the compressed file
 * read (memory bounded by a buffer, a block or a window, never by the file), and every byte
 * comes out in the end.
 */
class DecompressorsTest {
    private static final int TEXT_BYTES = 8 << 20;

    /** Random letters and line breaks: compresses little, so the compressed file is several MiB. */
    private static byte[] text() {
        Random r = new Random(7);
        byte[] b = new byte[TEXT_BYTES];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i % 80 == 79 ? '\n' : 'a' + r.nextInt(26));
        }
        return b;
    }

    private interface Wrap {
        OutputStream wrap(OutputStream o) throws IOException;
    }

    private static byte[] compress(Wrap wrap, byte[] text) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream o = wrap.wrap(out)) {
            o.write(text);
        }
        return out.toByteArray();
    }

    /** Counts what the decompressor took from the (S3) stream below it. */
    private static final class Counting extends FilterInputStream {
        long read;

        Counting(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            read += b < 0 ? 0 : 1;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            read += Math.max(n, 0);
            return n;
        }
    }

    private static void streams(Compression c, Wrap wrap) throws IOException {
        // Arrange
        byte[] text = text();
        byte[] compressed = compress(wrap, text);
        Counting raw = new Counting(new ByteArrayInputStream(compressed));

        // Act
        InputStream in = Decompressors.open(c, raw);
        byte[] first = in.readNBytes(64 * 1024);
        long readForFirst = raw.read;
        byte[] rest = in.readAllBytes();

        // Assert: a 64 KiB start took at most about one bzip2 block (900 kB) of the several MiB
        assertThat(compressed.length).isGreaterThan(4 << 20);
        assertThat(readForFirst).as("compressed bytes read for the first 64 KiB").isLessThan(1 << 20);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.writeBytes(first);
        all.writeBytes(rest);
        assertThat(all.toByteArray()).isEqualTo(text);
    }

    @Test
    void open_zstd_streamsTheFile() throws IOException {
        streams(Compression.ZSTD, o -> new ZstdOutputStream(o, 3));
    }

    @Test
    void open_bzip2_streamsTheFile() throws IOException {
        streams(Compression.BZIP2, BZip2CompressorOutputStream::new);
    }

    @Test
    void open_gzip_streamsTheFile() throws IOException {
        streams(Compression.GZIP, GZIPOutputStream::new);
    }
}
