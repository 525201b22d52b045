package dev.s3loader.lister.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.s3loader.model.KeyOrder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A paging S3 endpoint for the lister benchmark, on loopback, for the real SDK client (path style):
 * one bucket holding {@link SyntheticKeys} (computed, never stored) plus the objects written to it
 * (the lister's state), kept in memory. It answers ListObjectsV2 as S3 does (prefix, start-after,
 * continuation-token, max-keys up to 1,000, encoding-type=url), GetObject and PutObject (with
 * If-Match / If-None-Match, aws-chunked bodies), and waits {@code pageLatency} before each listing
 * page, as S3's own page time. Anything else is a 501, so a call the lister starts to make shows.
 */
public final class PagingS3Server implements AutoCloseable {
    private static final DateTimeFormatter ISO = DateTimeFormatter.ISO_INSTANT;
    private static final int MAX_KEYS = 1000;

    private record Stored(byte[] bytes, String etag, Instant lastModified) {
    }

    private record Entry(String key, String etag, long size, Instant lastModified) {
    }

    private final HttpServer server;
    private final ExecutorService threads;
    private final String bucket;
    private final SyntheticKeys keys;
    private final Duration pageLatency;
    private final ConcurrentSkipListMap<String, Stored> stored = new ConcurrentSkipListMap<>(KeyOrder.UTF8);
    private final AtomicLong pages = new AtomicLong();
    private final AtomicLong keysServed = new AtomicLong();

    public PagingS3Server(String bucket, SyntheticKeys keys, Duration pageLatency) {
        this.bucket = bucket;
        this.keys = keys;
        this.pageLatency = pageLatency;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
        } catch (IOException e) {
            throw new IllegalStateException("cannot open a loopback port", e);
        }
        // Every parallel range (LIST_RANGES up to 256) must be able to wait out its page latency at once.
        threads = Executors.newCachedThreadPool(Thread.ofPlatform().name("paging-s3-", 0).daemon(true).factory());
        server.setExecutor(threads);
        server.createContext("/", this::handle);
        server.start();
    }

    public URI endpoint() {
        return URI.create("http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort());
    }

    public SyntheticKeys keys() {
        return keys;
    }

    /** Listing pages served so far. */
    public long pages() {
        return pages.get();
    }

    /** Keys sent in listing pages so far (a page fetched past a range's end counts too). */
    public long keysServed() {
        return keysServed.get();
    }

    /** The stored object's bytes, or null. */
    public byte[] object(String key) {
        Stored s = stored.get(key);
        return s == null ? null : s.bytes();
    }

    /** Stores an object directly, as another writer would. */
    public void putObject(String key, byte[] bytes) {
        stored.put(key, new Stored(bytes, etagOf(bytes), Instant.now()));
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            String path = x.getRequestURI().getRawPath();
            Map<String, String> query = query(x.getRequestURI().getRawQuery());
            String[] parts = path.substring(1).split("/", 2);
            if (!parts[0].equals(bucket)) {
                error(x, 404, "NoSuchBucket", "The specified bucket does not exist");
                return;
            }
            String key = parts.length > 1 ? percentDecode(parts[1]) : "";
            String method = x.getRequestMethod();
            if (key.isEmpty() && method.equals("GET") && "2".equals(query.get("list-type"))) {
                list(x, query);
            } else if (!key.isEmpty() && method.equals("GET")) {
                get(x, key);
            } else if (!key.isEmpty() && method.equals("PUT") && !x.getRequestHeaders().containsKey("x-amz-copy-source")) {
                put(x, key);
            } else {
                drain(x.getRequestBody());
                error(x, 501, "NotImplemented", method + " " + path + " is not served by the benchmark endpoint");
            }
        } catch (RuntimeException e) {
            error(x, 500, "InternalError", String.valueOf(e));
        }
    }

    private void list(HttpExchange x, Map<String, String> q) throws IOException {
        String prefix = q.getOrDefault("prefix", "");
        String startAfter = q.get("start-after");
        String token = q.get("continuation-token");
        boolean url = "url".equals(q.get("encoding-type"));
        if (q.containsKey("encoding-type") && !url) {
            error(x, 400, "InvalidArgument", "Invalid Encoding Method specified in Request");
            return;
        }
        if (q.containsKey("delimiter") && !q.get("delimiter").isEmpty()) {
            error(x, 501, "NotImplemented", "delimiter is not served by the benchmark endpoint");
            return;
        }
        int maxKeys;
        try {
            maxKeys = q.containsKey("max-keys") ? Integer.parseInt(q.get("max-keys")) : MAX_KEYS;
        } catch (NumberFormatException e) {
            error(x, 400, "InvalidArgument", "Provided max-keys not an integer or within integer range");
            return;
        }
        if (maxKeys < 0) {
            error(x, 400, "InvalidArgument", "Argument maxKeys must be an integer between 0 and 2147483647");
            return;
        }
        maxKeys = Math.min(maxKeys, MAX_KEYS);
        // The token names the last key returned; with one, start-after no longer decides where the page starts.
        String after = startAfter;
        if (token != null) {
            try {
                after = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                error(x, 400, "InvalidArgument", "The continuation token provided is incorrect");
                return;
            }
        }
        sleep(pageLatency);
        Listing listing = new Listing(prefix, after);
        StringBuilder xml = new StringBuilder(maxKeys * 220 + 512);
        xml.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
                .append("<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">")
                .append("<Name>").append(bucket).append("</Name>")
                .append("<Prefix>").append(value(prefix, url)).append("</Prefix>");
        if (startAfter != null) {
            xml.append("<StartAfter>").append(value(startAfter, url)).append("</StartAfter>");
        }
        if (token != null) {
            xml.append("<ContinuationToken>").append(escape(token)).append("</ContinuationToken>");
        }
        StringBuilder contents = new StringBuilder(maxKeys * 200);
        int n = 0;
        String last = null;
        while (n < maxKeys && listing.hasNext()) {
            Entry e = listing.next();
            contents.append("<Contents><Key>").append(value(e.key(), url)).append("</Key><LastModified>")
                    .append(ISO.format(e.lastModified())).append("</LastModified><ETag>").append(escape(e.etag()))
                    .append("</ETag><Size>").append(e.size()).append("</Size><StorageClass>STANDARD</StorageClass></Contents>");
            last = e.key();
            n++;
        }
        boolean truncated = n > 0 && listing.hasNext();
        xml.append("<KeyCount>").append(n).append("</KeyCount><MaxKeys>").append(maxKeys).append("</MaxKeys>");
        if (url) {
            xml.append("<EncodingType>url</EncodingType>");
        }
        xml.append("<IsTruncated>").append(truncated).append("</IsTruncated>");
        if (truncated) {
            xml.append("<NextContinuationToken>")
                    .append(Base64.getUrlEncoder().withoutPadding().encodeToString(last.getBytes(StandardCharsets.UTF_8)))
                    .append("</NextContinuationToken>");
        }
        xml.append(contents).append("</ListBucketResult>");
        pages.incrementAndGet();
        keysServed.addAndGet(n);
        send(x, 200, "application/xml", xml.toString().getBytes(StandardCharsets.UTF_8), Map.of());
    }

    /** The synthetic keys and the stored objects merged in S3's key order, from after {@code after}, under {@code prefix}. */
    private final class Listing implements Iterator<Entry> {
        private final String prefix;
        private long i;
        private final Iterator<Map.Entry<String, Stored>> objects;
        private Map.Entry<String, Stored> object;

        Listing(String prefix, String after) {
            this.prefix = prefix;
            long from = keys.firstAtLeast(prefix);
            if (after != null) {
                from = Math.max(from, keys.firstAfter(after));
            }
            i = keys.nextPresent(from);
            var tail = after != null && KeyOrder.compare(after, prefix) >= 0 ? stored.tailMap(after, false)
                    : stored.tailMap(prefix, true);
            objects = tail.entrySet().iterator();
            object = objects.hasNext() ? objects.next() : null;
        }

        private String synthetic() {
            if (i >= keys.count()) {
                return null;
            }
            String k = keys.key(i);
            return k.startsWith(prefix) ? k : null;
        }

        private String storedKey() {
            return object != null && object.getKey().startsWith(prefix) ? object.getKey() : null;
        }

        @Override
        public boolean hasNext() {
            return synthetic() != null || storedKey() != null;
        }

        @Override
        public Entry next() {
            String s = synthetic();
            String o = storedKey();
            if (s != null && (o == null || KeyOrder.compare(s, o) < 0)) {
                Entry e = new Entry(s, keys.etag(i), keys.size(i), keys.lastModified(i));
                i = keys.nextPresent(i + 1);
                return e;
            }
            if (o == null) {
                throw new java.util.NoSuchElementException();
            }
            Stored st = object.getValue();
            object = objects.hasNext() ? objects.next() : null;
            return new Entry(o, st.etag(), st.bytes().length, st.lastModified());
        }
    }

    private void get(HttpExchange x, String key) throws IOException {
        Stored s = stored.get(key);
        if (s == null) {
            long i = keys.indexOf(key);
            if (i >= 0 && keys.present(i)) {
                error(x, 501, "NotImplemented", "reading a synthetic object is not served by the benchmark endpoint");
            } else {
                error(x, 404, "NoSuchKey", "The specified key does not exist.");
            }
            return;
        }
        send(x, 200, "application/octet-stream", s.bytes(), Map.of("ETag", s.etag(),
                "Last-Modified", DateTimeFormatter.RFC_1123_DATE_TIME.format(s.lastModified().atOffset(java.time.ZoneOffset.UTC))));
    }

    private void put(HttpExchange x, String key) throws IOException {
        byte[] body = body(x);
        String ifMatch = x.getRequestHeaders().getFirst("If-Match");
        String ifNoneMatch = x.getRequestHeaders().getFirst("If-None-Match");
        Stored created = new Stored(body, etagOf(body), Instant.now());
        boolean ok;
        synchronized (stored) {
            Stored current = stored.get(key);
            if (ifNoneMatch != null && !ifNoneMatch.equals("*")) {
                error(x, 501, "NotImplemented", "If-None-Match other than * is not served");
                return;
            }
            ok = (ifNoneMatch == null || current == null) && (ifMatch == null || (current != null && current.etag().equals(ifMatch)));
            if (ok) {
                stored.put(key, created);
            } else if (ifMatch != null && current == null) {
                error(x, 404, "NoSuchKey", "The specified key does not exist.");
                return;
            }
        }
        if (!ok) {
            error(x, 412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold");
            return;
        }
        send(x, 200, null, new byte[0], Map.of("ETag", created.etag()));
    }

    /** The request body, with an aws-chunked encoding (the SDK's trailing checksum) taken off. */
    private static byte[] body(HttpExchange x) throws IOException {
        byte[] raw;
        try (InputStream in = x.getRequestBody()) {
            raw = in.readAllBytes();
        }
        String sha = x.getRequestHeaders().getFirst("x-amz-content-sha256");
        String encoding = x.getRequestHeaders().getFirst("Content-Encoding");
        if ((sha == null || !sha.startsWith("STREAMING-")) && (encoding == null || !encoding.contains("aws-chunked"))) {
            return raw;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int p = 0;
        while (true) {
            int eol = indexOf(raw, p);
            String header = new String(raw, p, eol - p, StandardCharsets.US_ASCII);
            int size = Integer.parseInt(header.split(";", 2)[0].trim(), 16);
            p = eol + 2;
            if (size == 0) {
                return out.toByteArray();
            }
            out.write(raw, p, size);
            p += size + 2;
        }
    }

    private static int indexOf(byte[] raw, int from) {
        for (int i = from; i + 1 < raw.length; i++) {
            if (raw[i] == '\r' && raw[i + 1] == '\n') {
                return i;
            }
        }
        throw new IllegalArgumentException("malformed aws-chunked body");
    }

    static String etagOf(byte[] bytes) {
        try {
            return "\"" + HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes)) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void error(HttpExchange x, int status, String code, String message) throws IOException {
        String xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>" + escape(message)
                + "</Message><RequestId>bench</RequestId></Error>";
        send(x, status, "application/xml", xml.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    private static void send(HttpExchange x, int status, String contentType, byte[] body, Map<String, String> headers)
            throws IOException {
        if (contentType != null) {
            x.getResponseHeaders().set("Content-Type", contentType);
        }
        x.getResponseHeaders().set("x-amz-request-id", "bench");
        headers.forEach(x.getResponseHeaders()::set);
        boolean head = x.getRequestMethod().equals("HEAD");
        x.sendResponseHeaders(status, head || body.length == 0 ? -1 : body.length);
        if (!head && body.length > 0) {
            try (OutputStream out = x.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static void drain(InputStream in) throws IOException {
        try (in) {
            in.transferTo(OutputStream.nullOutputStream());
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new HashMap<>();
        if (raw == null || raw.isEmpty()) {
            return q;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String name = percentDecode(eq < 0 ? pair : pair.substring(0, eq));
            q.put(name, eq < 0 ? "" : percentDecode(pair.substring(eq + 1)));
        }
        return q;
    }

    /** RFC 3986 decoding: '+' is a plus sign, as S3 reads it in a path (the SDK sends a space as %20). */
    static String percentDecode(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length()) {
                out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                // A raw URI is ASCII: anything else arrives percent-encoded.
                out.write(c);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /**
     * S3's encoding-type=url form: every UTF-8 byte percent-encoded except the unreserved
     * characters and '/', a space as %20 (never '+').
     */
    static String urlEncode(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (byte v : s.getBytes(StandardCharsets.UTF_8)) {
            int c = v & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
                b.append((char) c);
            } else {
                b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return b.toString();
    }

    private static String value(String s, boolean url) {
        return url ? urlEncode(s) : escape(s);
    }

    private static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&apos;");
                case '\r' -> b.append("&#13;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    private static void sleep(Duration d) {
        if (d.isZero()) {
            return;
        }
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
