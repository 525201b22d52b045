package dev.s3loader.model;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Collections;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * The lister's in-flight set: key → {@link InFlight}, sorted by key so that it joins with the
 * sorted listing in one pass. Stored as one gzip object; keys are written as length-prefixed
 * strings, so no character of a key can break the format.
 */
public final class ListerState {
    private static final int MAGIC = 0x53334c31; // "S3L1"
    private final TreeMap<String, InFlight> entries;

    public ListerState(NavigableMap<String, InFlight> entries) {
        this.entries = new TreeMap<>(entries);
    }

    public static ListerState empty() {
        return new ListerState(new TreeMap<>());
    }

    public NavigableMap<String, InFlight> entries() {
        return Collections.unmodifiableNavigableMap(entries);
    }

    public int size() {
        return entries.size();
    }

    public byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(bytes, 64 * 1024))) {
            out.writeInt(MAGIC);
            out.writeInt(entries.size());
            for (var e : entries.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeUTF(e.getValue().etag());
                out.writeLong(e.getValue().enqueuedAt().toEpochMilli());
                out.writeInt(e.getValue().attempts());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static ListerState decode(byte[] data) {
        return decode(new ByteArrayInputStream(data));
    }

    public static ListerState decode(InputStream data) {
        TreeMap<String, InFlight> entries = new TreeMap<>();
        try (DataInputStream in = new DataInputStream(new GZIPInputStream(data, 64 * 1024))) {
            if (in.readInt() != MAGIC) {
                throw new IllegalArgumentException("not an s3loader lister state object");
            }
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                String key = in.readUTF();
                entries.put(key, new InFlight(in.readUTF(), Instant.ofEpochMilli(in.readLong()), in.readInt()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("lister state object is unreadable", e);
        }
        return new ListerState(entries);
    }
}
