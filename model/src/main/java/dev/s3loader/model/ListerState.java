package dev.s3loader.model;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * The lister's in-flight set: key → {@link InFlight}, sorted by key so that it joins with the
 * sorted listing in one pass. Stored as one gzip object; keys are written as length-prefixed
 * strings, so no character of a key can break the format.
 */
public final class ListerState {
    private static final int MAGIC_V1 = 0x53334c31; // "S3L1": entries only
    private static final int MAGIC = 0x53334c32; // "S3L2": entries, then the listing pass under way
    private final TreeMap<String, InFlight> entries;
    private final ListingPass pass;

    public ListerState(NavigableMap<String, InFlight> entries) {
        this(entries, null);
    }

    /** @param pass the listing pass under way, or null before the first run */
    public ListerState(NavigableMap<String, InFlight> entries, ListingPass pass) {
        this.entries = new TreeMap<>(entries);
        this.pass = pass;
    }

    public static ListerState empty() {
        return new ListerState(new TreeMap<>());
    }

    public Optional<ListingPass> pass() {
        return Optional.ofNullable(pass);
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
            out.writeBoolean(pass != null);
            if (pass != null) {
                writePass(out, pass);
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
            int magic = in.readInt();
            if (magic != MAGIC && magic != MAGIC_V1) {
                throw new IllegalArgumentException("not an s3loader lister state object");
            }
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                String key = in.readUTF();
                entries.put(key, new InFlight(in.readUTF(), Instant.ofEpochMilli(in.readLong()), in.readInt()));
            }
            ListingPass pass = magic == MAGIC && in.readBoolean() ? readPass(in) : null;
            return new ListerState(entries, pass);
        } catch (IOException e) {
            throw new UncheckedIOException("lister state object is unreadable", e);
        }
    }

    private static void writePass(DataOutputStream out, ListingPass p) throws IOException {
        writeStrings(out, p.boundaries());
        writeStrings(out, p.cursors());
        out.writeLong(p.files());
        out.writeLong(p.bytes());
        out.writeLong(p.oldest() == null ? Long.MIN_VALUE : p.oldest().toEpochMilli());
        for (int i = 0; i < p.ranges(); i++) {
            writeStrings(out, p.samples().get(i));
            out.writeLong(p.steps().get(i));
        }
        out.writeLong(p.previous().files());
        out.writeLong(p.previous().bytes());
        out.writeLong(p.previous().oldest() == null ? Long.MIN_VALUE : p.previous().oldest().toEpochMilli());
    }

    private static ListingPass readPass(DataInputStream in) throws IOException {
        List<String> boundaries = readStrings(in);
        List<String> cursors = readStrings(in);
        long files = in.readLong();
        long bytes = in.readLong();
        Instant oldest = instant(in.readLong());
        List<List<String>> samples = new ArrayList<>();
        List<Long> steps = new ArrayList<>();
        for (int i = 0; i < cursors.size(); i++) {
            samples.add(readStrings(in));
            steps.add(in.readLong());
        }
        ListingPass.Totals previous = new ListingPass.Totals(in.readLong(), in.readLong(), instant(in.readLong()));
        return new ListingPass(boundaries, cursors, files, bytes, oldest, samples, steps, previous);
    }

    private static Instant instant(long millis) {
        return millis == Long.MIN_VALUE ? null : Instant.ofEpochMilli(millis);
    }

    private static void writeStrings(DataOutputStream out, List<String> strings) throws IOException {
        out.writeInt(strings.size());
        for (String s : strings) {
            out.writeUTF(s);
        }
    }

    private static List<String> readStrings(DataInputStream in) throws IOException {
        int n = in.readInt();
        List<String> strings = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            strings.add(in.readUTF());
        }
        return strings;
    }
}
