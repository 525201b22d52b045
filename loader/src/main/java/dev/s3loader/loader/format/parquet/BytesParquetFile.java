package dev.s3loader.loader.format.parquet;

import java.io.EOFException;
import java.nio.ByteBuffer;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.SeekableInputStream;

/** A Parquet file already in memory: a small file the loader read ahead whole. */
public final class BytesParquetFile implements InputFile {
    private final byte[] bytes;

    public BytesParquetFile(byte[] bytes) {
        this.bytes = bytes;
    }

    @Override
    public long getLength() {
        return bytes.length;
    }

    @Override
    public SeekableInputStream newStream() {
        return new SeekableInputStream() {
            private int pos;

            @Override
            public long getPos() {
                return pos;
            }

            @Override
            public void seek(long newPos) {
                pos = (int) Math.min(newPos, bytes.length);
            }

            @Override
            public int read() {
                return pos < bytes.length ? bytes[pos++] & 0xff : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (pos >= bytes.length) {
                    return len == 0 ? 0 : -1;
                }
                int n = Math.min(len, bytes.length - pos);
                System.arraycopy(bytes, pos, b, off, n);
                pos += n;
                return n;
            }

            @Override
            public void readFully(byte[] b) throws EOFException {
                readFully(b, 0, b.length);
            }

            @Override
            public void readFully(byte[] b, int start, int len) throws EOFException {
                if (bytes.length - pos < len) {
                    throw new EOFException("the file ended " + (len - (bytes.length - pos)) + " bytes early");
                }
                System.arraycopy(bytes, pos, b, start, len);
                pos += len;
            }

            @Override
            public int read(ByteBuffer buf) {
                int n = Math.min(buf.remaining(), bytes.length - pos);
                if (n <= 0) {
                    return buf.hasRemaining() ? -1 : 0;
                }
                buf.put(bytes, pos, n);
                pos += n;
                return n;
            }

            @Override
            public void readFully(ByteBuffer buf) throws EOFException {
                if (bytes.length - pos < buf.remaining()) {
                    throw new EOFException("the file ended " + (buf.remaining() - (bytes.length - pos)) + " bytes early");
                }
                read(buf);
            }
        };
    }
}
