package dev.s3loader.loader.destination.refined;

import dev.s3loader.model.RefinedConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * Page compression without Hadoop: parquet-hadoop's own CodecFactory reaches for Hadoop's codec
 * classes (and a Hadoop Configuration) for every codec but "uncompressed", so the writer is given
 * this one, which calls snappy-java and zstd-jni directly. Only compression: the refined zone is
 * written, never read, here.
 */
final class RefinedCodecs implements CompressionCodecFactory {
    /** zstd-jni's default level, as parquet-java's ZSTD codec uses. */
    private static final int ZSTD_LEVEL = 3;

    static CompressionCodecName name(RefinedConfig.Codec codec) {
        return switch (codec) {
            case SNAPPY -> CompressionCodecName.SNAPPY;
            case ZSTD -> CompressionCodecName.ZSTD;
            case NONE -> CompressionCodecName.UNCOMPRESSED;
        };
    }

    @Override
    public BytesInputCompressor getCompressor(CompressionCodecName codec) {
        return new BytesInputCompressor() {
            @Override
            public BytesInput compress(BytesInput page) throws IOException {
                return switch (codec) {
                    case UNCOMPRESSED -> page;
                    case SNAPPY -> BytesInput.from(org.xerial.snappy.Snappy.compress(page.toByteArray()));
                    case ZSTD -> BytesInput.from(com.github.luben.zstd.Zstd.compress(page.toByteArray(), ZSTD_LEVEL));
                    default -> throw new IOException("codec " + codec + " is not written by s3loader");
                };
            }

            @Override
            public CompressionCodecName getCodecName() {
                return codec;
            }

            @Override
            public void release() {
            }
        };
    }

    @Override
    public BytesInputDecompressor getDecompressor(CompressionCodecName codec) {
        return new BytesInputDecompressor() {
            @Override
            public BytesInput decompress(BytesInput bytes, int uncompressedSize) throws IOException {
                throw new IOException("the refined zone is only written");
            }

            @Override
            public void decompress(ByteBuffer input, int compressedSize, ByteBuffer output, int uncompressedSize)
                    throws IOException {
                throw new IOException("the refined zone is only written");
            }

            @Override
            public void release() {
            }
        };
    }

    @Override
    public void release() {
    }
}
