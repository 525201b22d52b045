package dev.s3loader.lister.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * A minimal SQS endpoint (AWS JSON 1.0, what the SDK speaks to SQS) for the lister benchmark: it
 * accepts SendMessageBatch, answering each entry's MD5 (the SDK checks it), hands every body to a
 * listener and counts it, and answers GetQueueAttributes with a depth the benchmark decides. No
 * message is kept: at a million messages ElasticMQ would hold them all in the benchmark's heap,
 * which is the heap being measured, and would be timed instead of the lister.
 */
public final class CountingSqsServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpServer server;
    private final ExecutorService threads;
    private final Consumer<String> onMessage;
    private final LongSupplier depth;
    private final AtomicLong messages = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();

    /**
     * @param onMessage called with each accepted message body (from several threads at once)
     * @param depth     the messages the queue holds, as GetQueueAttributes reports them
     */
    public CountingSqsServer(Consumer<String> onMessage, LongSupplier depth) {
        this.onMessage = onMessage;
        this.depth = depth;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
        } catch (IOException e) {
            throw new IllegalStateException("cannot open a loopback port", e);
        }
        threads = Executors.newFixedThreadPool(16, Thread.ofPlatform().name("counting-sqs-", 0).daemon(true).factory());
        server.setExecutor(threads);
        server.createContext("/", this::handle);
        server.start();
    }

    public URI endpoint() {
        return URI.create("http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort());
    }

    public String queueUrl() {
        return endpoint() + "/000000000000/bench";
    }

    public long messages() {
        return messages.get();
    }

    public long batches() {
        return batches.get();
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            byte[] body;
            try (InputStream in = x.getRequestBody()) {
                body = in.readAllBytes();
            }
            String target = String.valueOf(x.getRequestHeaders().getFirst("X-Amz-Target"));
            JsonNode request = JSON.readTree(body);
            switch (target) {
                case "AmazonSQS.SendMessageBatch" -> sendMessageBatch(x, request);
                case "AmazonSQS.GetQueueAttributes" -> {
                    ObjectNode attributes = JSON.createObjectNode();
                    attributes.put("ApproximateNumberOfMessages", Long.toString(depth.getAsLong()));
                    attributes.put("ApproximateNumberOfMessagesNotVisible", "0");
                    attributes.put("ApproximateNumberOfMessagesDelayed", "0");
                    ObjectNode out = JSON.createObjectNode();
                    out.set("Attributes", attributes);
                    send(x, 200, out);
                }
                default -> error(x, "InvalidAction", "the benchmark endpoint does not serve " + target);
            }
        } catch (RuntimeException | IOException e) {
            error(x, "InternalError", String.valueOf(e));
        }
    }

    private void sendMessageBatch(HttpExchange x, JsonNode request) throws IOException {
        JsonNode entries = request.path("Entries");
        if (!entries.isArray() || entries.isEmpty() || entries.size() > 10) {
            error(x, "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", "a batch holds 1 to 10 entries");
            return;
        }
        ObjectNode out = JSON.createObjectNode();
        ArrayNode ok = out.putArray("Successful");
        out.putArray("Failed");
        for (JsonNode e : entries) {
            String messageBody = e.path("MessageBody").asText();
            onMessage.accept(messageBody);
            ObjectNode r = ok.addObject();
            r.put("Id", e.path("Id").asText());
            r.put("MessageId", UUID.randomUUID().toString());
            r.put("MD5OfMessageBody", md5(messageBody));
        }
        messages.addAndGet(entries.size());
        batches.incrementAndGet();
        send(x, 200, out);
    }

    private static String md5(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void error(HttpExchange x, String code, String message) throws IOException {
        ObjectNode out = JSON.createObjectNode();
        out.put("__type", "com.amazonaws.sqs#" + code);
        out.put("message", message);
        send(x, 400, out);
    }

    private static void send(HttpExchange x, int status, JsonNode json) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(json);
        x.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.0");
        x.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
        x.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(bytes);
        }
    }
}
