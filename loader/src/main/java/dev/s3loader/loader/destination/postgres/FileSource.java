package dev.s3loader.loader.destination.postgres;

import dev.s3loader.clients.Etags;
import dev.s3loader.loader.format.parquet.S3ParquetFile;
import dev.s3loader.model.Compression;
import dev.s3loader.model.FileMessage;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import org.apache.parquet.io.InputFile;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Opens exactly the file version a message names, as a stream: GetObject with If-Match on the
 * etag, so an overwritten file is never loaded under its old etag (412) and memory does not grow
 * with the file. Read failures are remembered by layer, because pgjdbc may report them only as
 * a cancelled COPY: a failing S3 read is worth a retry, a broken compressed stream (gzip, zstd,
 * bzip2: {@link Decompressors}) is the file's fault.
 */
final class FileSource {
    private final S3Client s3;
    private final Compression compression;

    FileSource(S3Client s3, Compression compression) {
        this.s3 = s3;
        this.compression = compression;
    }

    /** The object's content, or empty when that version is gone or was replaced. */
    Optional<Opened> open(FileMessage f) {
        return get(f).map(raw -> opened(f, raw, new Tracked(raw)));
    }

    /**
     * The GetObject of exactly that version, its body not read yet; empty when the version is gone
     * or was replaced. Throws what S3 throws otherwise (after the client's retries).
     */
    Optional<ResponseInputStream<?>> get(FileMessage f) {
        try {
            ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket(f.bucket()).key(f.key()).ifMatch(f.etag()));
            if (in.response().eTag() != null && !Etags.same(in.response().eTag(), f.etag())) {
                // A store that ignores If-Match on GetObject answered another version: as 412 would have said.
                in.abort();
                return Optional.empty();
            }
            return Optional.of(in);
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 412 || e.statusCode() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** The file version as Parquet reads it: ranged GETs, each conditional on the etag. */
    InputFile parquet(FileMessage f) {
        return new S3ParquetFile(s3, f);
    }

    /** A file's content already read whole from S3 (by {@link ReadAhead}): decompressed as it is read, like a stream. */
    Opened inMemory(FileMessage f, byte[] body) {
        return opened(f, null, new Tracked(new java.io.ByteArrayInputStream(body)));
    }

    private Opened opened(FileMessage f, ResponseInputStream<?> raw, Tracked s3Stream) {
        Compression c = compression.of(f.key());
        if (c == Compression.NONE) {
            return new Opened(s3Stream, raw, s3Stream, null, c);
        }
        try {
            Tracked decoded = new Tracked(Decompressors.open(c, s3Stream));
            return new Opened(decoded, raw, s3Stream, decoded, c);
        } catch (IOException e) {
            // The gzip and bzip2 headers are read here already.
            return new Opened(new Failing(e), raw, s3Stream, new Tracked(new Failing(e)).fail(e), c);
        }
    }

    /**
     * A stream to COPY from, and which layer (if any) failed while it was read; {@code response} is
     * null for a body already in memory.
     */
    record Opened(InputStream stream, ResponseInputStream<?> response, Tracked s3, Tracked decoded,
                  Compression compression) implements AutoCloseable {
        /** The S3 read itself failed: the network, not the file. */
        Optional<IOException> readFailure() {
            return Optional.ofNullable(s3.failure);
        }

        /** The batch's time ran out while the file was read, and {@link #abortForDeadline} ended the read. */
        boolean abortedForDeadline() {
            return s3.deadline;
        }

        /**
         * Ends the download from another thread: the HTTP connection is aborted (a blocked read
         * returns) and the streams closed, so the COPY that reads them fails and is cancelled.
         */
        void abortForDeadline() {
            s3.deadline = true;
            if (response != null) {
                response.abort();
            }
            close();
        }

        /** The bytes arrived but are not valid {@link #compression} (gzip, zstd, bzip2). */
        Optional<IOException> formatFailure() {
            return decoded == null || s3.failure != null ? Optional.empty() : Optional.ofNullable(decoded.failure);
        }

        @Override
        public void close() {
            try {
                stream.close();
            } catch (IOException e) {
                // Closing aborts the remaining download; nothing to report.
            }
        }
    }

    /** Remembers the first exception its reads threw. */
    static final class Tracked extends FilterInputStream {
        private volatile IOException failure;
        private volatile boolean deadline;

        Tracked(InputStream in) {
            super(in);
        }

        Tracked fail(IOException e) {
            failure = e;
            return this;
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (IOException e) {
                throw remember(e);
            } catch (RuntimeException e) {
                // The SDK reports e.g. a checksum mismatch unchecked; pgjdbc cleans up only after IOException.
                throw remember(new IOException(e.getMessage(), e));
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (IOException e) {
                throw remember(e);
            } catch (RuntimeException e) {
                // The SDK reports e.g. a checksum mismatch unchecked; pgjdbc cleans up only after IOException.
                throw remember(new IOException(e.getMessage(), e));
            }
        }

        private IOException remember(IOException e) {
            if (failure == null) {
                failure = e;
            }
            return e;
        }
    }

    private static final class Failing extends InputStream {
        private final IOException e;

        Failing(IOException e) {
            this.e = e;
        }

        @Override
        public int read() throws IOException {
            throw e;
        }
    }
}
