package dev.s3loader.embedded.lambda;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The Lambda Runtime API (version 2018-06-01) on 127.0.0.1, as the Lambda service serves it to a
 * function's runtime: AWS's "Using the Lambda runtime API for custom runtimes"
 * (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html).
 *
 * <ul>
 * <li>{@code GET /2018-06-01/runtime/invocation/next} waits until an event is queued, then answers
 * it with the headers {@code Lambda-Runtime-Aws-Request-Id}, {@code Lambda-Runtime-Deadline-Ms}
 * (the invocation's deadline in epoch milliseconds, counted from this moment as Lambda counts its
 * timeout from the invoke), {@code Lambda-Runtime-Invoked-Function-Arn} and
 * {@code Lambda-Runtime-Trace-Id};</li>
 * <li>{@code POST /2018-06-01/runtime/invocation/{id}/response} and {@code .../{id}/error}
 * complete that invocation (202);</li>
 * <li>{@code POST /2018-06-01/runtime/init/error} records a failed initialisation (202).</li>
 * </ul>
 * One function instance per server: the runtime asks for the next event only when it answered the
 * previous one, as on Lambda. Point {@code AWS_LAMBDA_RUNTIME_API} at {@link #address()}.
 */
public final class LambdaRuntimeApi implements AutoCloseable {
    private static final String PREFIX = "/2018-06-01/runtime/";

    /** How an invocation ended, as the runtime reported it (or did not). */
    public enum Status { RESPONSE, ERROR, TIMED_OUT }

    /**
     * The runtime's answer: the response body, or the error document and its
     * {@code Lambda-Runtime-Function-Error-Type}; with the deadline it was handed and when it answered.
     */
    public record Answer(String requestId, Status status, String body, String errorType, long deadlineMs,
                         long answeredAtMs) {
        /** Answered before the deadline: Lambda would have stopped the function otherwise ("Task timed out"). */
        public boolean inTime() {
            return answeredAtMs <= deadlineMs;
        }
    }

    /** The error the runtime posted to {@code /init/error}. */
    public record InitError(String errorType, String body) {
    }

    private record Pending(String requestId, String event, Duration timeout, String functionArn,
                           CompletableFuture<Answer> answer) {
    }

    private final HttpServer server;
    private final ExecutorService threads;
    private final BlockingQueue<Pending> queued = new LinkedBlockingQueue<>();
    private final Map<String, Pending> handedOut = new ConcurrentHashMap<>();
    private final Map<String, Long> deadlines = new ConcurrentHashMap<>();
    private final CompletableFuture<InitError> initError = new CompletableFuture<>();
    private final CompletableFuture<Long> firstNextAt = new CompletableFuture<>();

    private LambdaRuntimeApi() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // /next blocks a thread while it waits for an event; the runtime's posts need others.
        threads = Executors.newCachedThreadPool(Thread.ofPlatform().name("lambda-runtime-api-", 0).daemon(true).factory());
        server.setExecutor(threads);
        server.createContext(PREFIX, this::handle);
        server.start();
    }

    public static LambdaRuntimeApi start() {
        return new LambdaRuntimeApi();
    }

    /** {@code host:port}, the form of {@code AWS_LAMBDA_RUNTIME_API}. */
    public String address() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    /**
     * Queues one event for the runtime's next {@code /next}; the future completes with its answer.
     *
     * @param timeout the function's timeout: the deadline handed to the runtime is the moment it
     *                takes the event plus this
     */
    public Invocation invoke(String eventJson, Duration timeout, String functionArn) {
        Pending p = new Pending(UUID.randomUUID().toString(), eventJson, timeout, functionArn, new CompletableFuture<>());
        queued.add(p);
        return new Invocation(p.requestId(), p.answer());
    }

    /** One queued event: its request id, and its answer once the runtime gives it. */
    public record Invocation(String requestId, CompletableFuture<Answer> answer) {
    }

    /** The deadline (epoch ms) handed with a request id, once the runtime took it; null before. */
    public Long deadlineOf(String requestId) {
        return deadlines.get(requestId);
    }

    /**
     * Ends an invocation the runtime did not answer by its deadline, as Lambda does ("Task timed
     * out"); the caller stops the function's process. An answer posted later is refused.
     */
    public void timedOut(String requestId) {
        Pending p = handedOut.remove(requestId);
        if (p != null) {
            p.answer().complete(new Answer(requestId, Status.TIMED_OUT, null, null, deadlines.get(requestId), -1));
        }
    }

    /** Completes when the runtime reports a failed initialisation. */
    public CompletableFuture<InitError> initError() {
        return initError;
    }

    /** Completes (epoch ms) when the runtime first asks for an event: the end of Lambda's init phase. */
    public CompletableFuture<Long> firstNext() {
        return firstNextAt;
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath().substring(PREFIX.length());
            String method = ex.getRequestMethod();
            if (method.equals("GET") && path.equals("invocation/next")) {
                next(ex);
            } else if (method.equals("POST") && path.equals("init/error")) {
                initError.complete(new InitError(ex.getRequestHeaders().getFirst("Lambda-Runtime-Function-Error-Type"),
                        body(ex)));
                reply(ex, 202, "{\"status\":\"OK\"}");
            } else if (method.equals("POST") && path.startsWith("invocation/")
                    && (path.endsWith("/response") || path.endsWith("/error"))) {
                String id = path.substring("invocation/".length(), path.lastIndexOf('/'));
                Pending p = handedOut.remove(id);
                if (p == null) {
                    reply(ex, 400, "{\"errorMessage\":\"unknown or already answered request id " + id + "\","
                            + "\"errorType\":\"InvalidRequestID\"}");
                    return;
                }
                boolean response = path.endsWith("/response");
                String body = body(ex);
                p.answer().complete(new Answer(id, response ? Status.RESPONSE : Status.ERROR, body,
                        response ? null : ex.getRequestHeaders().getFirst("Lambda-Runtime-Function-Error-Type"),
                        deadlines.get(id), System.currentTimeMillis()));
                reply(ex, 202, "{\"status\":\"OK\"}");
            } else {
                reply(ex, 404, "{\"errorMessage\":\"no such resource: " + method + " " + path + "\"}");
            }
        }
    }

    private void next(HttpExchange ex) throws IOException {
        firstNextAt.complete(System.currentTimeMillis());
        Pending p;
        try {
            p = queued.take();
        } catch (InterruptedException e) {
            // Closing: the runtime's long poll ends with the server.
            Thread.currentThread().interrupt();
            return;
        }
        long deadline = System.currentTimeMillis() + p.timeout().toMillis();
        deadlines.put(p.requestId(), deadline);
        handedOut.put(p.requestId(), p);
        var h = ex.getResponseHeaders();
        h.set("Content-Type", "application/json");
        h.set("Lambda-Runtime-Aws-Request-Id", p.requestId());
        h.set("Lambda-Runtime-Deadline-Ms", Long.toString(deadline));
        h.set("Lambda-Runtime-Invoked-Function-Arn", p.functionArn());
        h.set("Lambda-Runtime-Trace-Id", "Root=1-" + Long.toHexString(deadline / 1000) + "-"
                + p.requestId().replace("-", "").substring(0, 24) + ";Parent=" + "0".repeat(16) + ";Sampled=0");
        reply(ex, 200, p.event());
    }

    private static String body(HttpExchange ex) throws IOException {
        return new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    }

    private static void reply(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        ex.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
        try {
            threads.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
