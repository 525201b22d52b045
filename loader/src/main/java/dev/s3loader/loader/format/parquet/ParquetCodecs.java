package dev.s3loader.loader.format.parquet;

import com.github.luben.zstd.Zstd;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.zip.GZIPInputStream;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.xerial.snappy.Snappy;

/**
 * Page decompression without Hadoop. parquet-hadoop's own CodecFactory builds its decompressors
 * from Hadoop's {@code CompressionCodec} classes (org.apache.hadoop.io.compress), which would put
 * hadoop-common and its dependencies into the Lambda jar; the reader only needs whole-page
 * decompression, which snappy-java, zstd-jni and the JDK's gzip do directly. Read-only: the
 * compressors are never asked for.
 */
public final class ParquetCodecs implements CompressionCodecFactory {

    @Override
    public BytesInputDecompressor getDecompressor(CompressionCodecName codec) {
        return switch (codec) {
            case UNCOMPRESSED -> new Page(codec) {
                @Override
                byte[] decompress(byte[] in, int size) {
                    return in;
                }
            };
            case SNAPPY -> new Page(codec) {
                @Override
                byte[] decompress(byte[] in, int size) throws IOException {
                    byte[] out = new byte[size];
                    check(Snappy.uncompress(in, 0, in.length, out, 0), size);
                    return out;
                }
            };
            case ZSTD -> new Page(codec) {
                @Override
                byte[] decompress(byte[] in, int size) throws IOException {
                    byte[] out = new byte[size];
                    long n = Zstd.decompressByteArray(out, 0, size, in, 0, in.length);
                    if (Zstd.isError(n)) {
                        throw new IOException("zstd: " + Zstd.getErrorName(n));
                    }
                    check(n, size);
                    return out;
                }
            };
            case GZIP -> new Page(codec) {
                @Override
                byte[] decompress(byte[] in, int size) throws IOException {
                    try (InputStream z = new GZIPInputStream(new ByteArrayInputStream(in), Math.max(512, Math.min(in.length, 64 * 1024)))) {
                        byte[] out = z.readNBytes(size);
                        check(out.length, size);
                        return out;
                    }
                }
            };
            default -> throw new UnsupportedCodec(codec);
        };
    }

    @Override
    public BytesInputCompressor getCompressor(CompressionCodecName codec) {
        throw new UnsupportedOperationException("the loader only reads Parquet");
    }

    @Override
    public void release() {
    }

    /** A codec the loader does not read (LZO, LZ4, Brotli): the file's fault, named. */
    public static final class UnsupportedCodec extends RuntimeException {
        UnsupportedCodec(CompressionCodecName codec) {
            super("Parquet compression " + codec + " is not supported (snappy, zstd, gzip or none are)");
        }
    }

    private abstract static class Page implements BytesInputDecompressor {
        private final CompressionCodecName codec;

        Page(CompressionCodecName codec) {
            this.codec = codec;
        }

        abstract byte[] decompress(byte[] in, int size) throws IOException;

        static void check(long got, int size) throws IOException {
            if (got != size) {
                throw new IOException("a page decompressed to " + got + " bytes, its header says " + size);
            }
        }

        @Override
        public BytesInput decompress(BytesInput bytes, int uncompressedSize) throws IOException {
            byte[] in = bytes.toByteArray();
            byte[] out = decompress(in, uncompressedSize);
            return BytesInput.from(out);
        }

        @Override
        public void decompress(ByteBuffer input, int compressedSize, ByteBuffer output, int uncompressedSize) throws IOException {
            byte[] in = new byte[compressedSize];
            input.get(in);
            byte[] out = decompress(in, uncompressedSize);
            output.put(out);
        }

        @Override
        public void release() {
        }

        @Override
        public String toString() {
            return codec.toString();
        }
    }
}
