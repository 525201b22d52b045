package dev.s3loader.loader.format.parquet;

import dev.s3loader.model.FileMessage;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.SeekableInputStream;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * One version of a Parquet file in S3, read by ranged GetObject: the reader asks for the footer
 * first, then for one row group's column chunks at a time, so memory follows the row group and
 * not the file. Every GET carries If-Match on the message's etag: a file replaced between two
 * reads is never read half old, half new ({@link SourceChanged}).
 */
public final class S3ParquetFile implements InputFile {
    /** A GET asks for at least this much: the reads of one row group's chunks follow each other. */
    static final long MIN_RANGE = 8L << 20;
    /** A forward seek shorter than this reads through the gap instead of starting another GET. */
    private static final long SKIP_LIMIT = 1L << 20;

    private final S3Client s3;
    private final FileMessage file;
    private int gets;

    public S3ParquetFile(S3Client s3, FileMessage file) {
        this.s3 = s3;
        this.file = file;
    }

    @Override
    public long getLength() {
        return file.size();
    }

    /** How many GETs the streams of this file made so far (the tests check the reads are ranged). */
    public int gets() {
        return gets;
    }

    @Override
    public SeekableInputStream newStream() {
        return new Ranged();
    }

    /** The version the message names is gone or was replaced: nothing of it is to be loaded. */
    public static final class SourceChanged extends IOException {
        SourceChanged(String message) {
            super(message);
        }
    }

    /** A GET of the file failed in S3 or on the network: worth another attempt, not the file's fault. */
    public static final class ReadFailed extends IOException {
        ReadFailed(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final class Ranged extends SeekableInputStream {
        private long pos;
        private ResponseInputStream<GetObjectResponse> body;
        /** The file offset of the body's next byte, and where its range ends (exclusive). */
        private long bodyPos;
        private long bodyEnd;

        @Override
        public long getPos() {
            return pos;
        }

        @Override
        public void seek(long newPos) {
            pos = newPos;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (pos >= file.size()) {
                return -1;
            }
            position(len);
            int n;
            try {
                n = body.read(b, off, (int) Math.min(len, bodyEnd - bodyPos));
            } catch (IOException | RuntimeException e) {
                drop();
                throw new ReadFailed("reading " + file.key() + " from S3 failed: " + e.getMessage(), e);
            }
            if (n < 0) {
                drop();
                throw new ReadFailed("S3 ended the body of " + file.key() + " at byte " + pos + " of " + file.size(), null);
            }
            pos += n;
            bodyPos += n;
            return n;
        }

        /** Makes the body's next byte the one at {@link #pos}: the open body when it is there or a little ahead, else a new GET. */
        private void position(int want) throws IOException {
            if (body != null && pos >= bodyPos && pos < bodyEnd && pos - bodyPos <= SKIP_LIMIT) {
                long skip = pos - bodyPos;
                try {
                    body.skipNBytes(skip);
                } catch (IOException | RuntimeException e) {
                    drop();
                    throw new ReadFailed("reading " + file.key() + " from S3 failed: " + e.getMessage(), e);
                }
                bodyPos = pos;
                return;
            }
            drop();
            long end = Math.min(file.size(), pos + Math.max(want, MIN_RANGE));
            String range = "bytes=" + pos + "-" + (end - 1);
            try {
                body = s3.getObject(r -> r.bucket(file.bucket()).key(file.key()).ifMatch(file.etag()).range(range));
                gets++;
            } catch (NoSuchKeyException e) {
                throw new SourceChanged(file.key() + " is gone");
            } catch (S3Exception e) {
                if (e.statusCode() == 412 || e.statusCode() == 404) {
                    throw new SourceChanged(file.key() + " was replaced (etag " + file.etag() + " no longer matches)");
                }
                throw new ReadFailed("GetObject " + range + " of " + file.key() + " failed: " + e.getMessage(), e);
            } catch (RuntimeException e) {
                throw new ReadFailed("GetObject " + range + " of " + file.key() + " failed: " + e.getMessage(), e);
            }
            bodyPos = pos;
            bodyEnd = end;
        }

        private void drop() {
            if (body != null) {
                if (bodyPos < bodyEnd) {
                    body.abort(); // the rest of the range is not wanted: do not drain it
                }
                try {
                    body.close();
                } catch (IOException | RuntimeException e) {
                    // Closing a body that is not wanted any more; nothing to report.
                }
                body = null;
            }
        }

        @Override
        public void readFully(byte[] bytes) throws IOException {
            readFully(bytes, 0, bytes.length);
        }

        @Override
        public void readFully(byte[] bytes, int start, int len) throws IOException {
            int done = 0;
            while (done < len) {
                int n = read(bytes, start + done, len - done);
                if (n < 0) {
                    throw new EOFException("the file ended " + (len - done) + " bytes early");
                }
                done += n;
            }
        }

        @Override
        public int read(ByteBuffer buf) throws IOException {
            if (!buf.hasRemaining()) {
                return 0;
            }
            byte[] chunk = new byte[Math.min(buf.remaining(), 64 * 1024)];
            int n = read(chunk, 0, chunk.length);
            if (n > 0) {
                buf.put(chunk, 0, n);
            }
            return n;
        }

        @Override
        public void readFully(ByteBuffer buf) throws IOException {
            if (buf.hasArray()) {
                readFully(buf.array(), buf.arrayOffset() + buf.position(), buf.remaining());
                buf.position(buf.limit());
                return;
            }
            while (buf.hasRemaining()) {
                if (read(buf) < 0) {
                    throw new EOFException("the file ended " + buf.remaining() + " bytes early");
                }
            }
        }

        @Override
        public void close() {
            drop();
        }
    }
}
