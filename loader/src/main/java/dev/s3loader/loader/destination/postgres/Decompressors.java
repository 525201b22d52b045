package dev.s3loader.loader.destination.postgres;

import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import dev.s3loader.model.Compression;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;

/**
 * A file's bytes decompressed as they are read, each with a bounded buffer so memory does not
 * grow with the file: gzip 64 KiB; zstd its stream buffers (about 256 KiB) plus the frame's
 * window, off the heap and capped at {@link #ZSTD_WINDOW_LOG_MAX} (a frame that needs more, as
 * {@code zstd --long=31} writes, fails as a bad file); bzip2 one block (at most 900 kB, about
 * 4 MB of tables). Concatenated members and frames are read through, as the command-line tools do.
 */
final class Decompressors {
    /** 2^27 = 128 MiB: zstd's own default limit for decoders, named here so it cannot drift. */
    static final int ZSTD_WINDOW_LOG_MAX = 27;
    private static final int BUFFER = 64 * 1024;

    private Decompressors() {
    }

    /** Reads {@code in} decompressed; a gzip or bzip2 header is read (and checked) at once. */
    static InputStream open(Compression c, InputStream in) throws IOException {
        return switch (c) {
            case GZIP -> new GZIPInputStream(in, BUFFER);
            case ZSTD -> {
                ZstdInputStreamNoFinalizer z = new ZstdInputStreamNoFinalizer(in);
                z.setLongMax(ZSTD_WINDOW_LOG_MAX);
                yield z;
            }
            // The bzip2 reader reads a byte at a time: buffered, or each byte is a call into the S3 stream.
            case BZIP2 -> new BZip2CompressorInputStream(new BufferedInputStream(in, BUFFER), true);
            case NONE -> in;
            case AUTO -> throw new IllegalArgumentException("AUTO is decided per file: Compression.of(key)");
        };
    }
}
