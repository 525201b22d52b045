package dev.s3loader.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClientBuilder;

/**
 * A CloudWatch endpoint on 127.0.0.1 that understands {@code PutMetricData} and records it.
 *
 * <p>No local CloudWatch server exists, so this answers the protocol the real SDK client speaks:
 * SDK 2.41's {@link CloudWatchClient} uses Smithy RPCv2 CBOR, i.e. {@code POST
 * /service/GraniteServiceVersion20100801/operation/PutMetricData} with header
 * {@code smithy-protocol: rpc-v2-cbor} and a CBOR body. Each call is decoded and kept as data, so a
 * test can assert on exactly what the code under test published; {@link #failNext} makes the next
 * calls fail with a retryable error to check the SDK retries. Signatures are not checked.
 */
public final class EmbeddedCloudWatch implements AutoCloseable {
    public static final String ACCESS_KEY = "s3loader";
    public static final String SECRET_KEY = "s3loader-secret";
    public static final Region REGION = Region.US_EAST_1;

    static final String PUT_METRIC_DATA_PATH = "/service/GraniteServiceVersion20100801/operation/PutMetricData";
    private static final String SMITHY_PROTOCOL = "rpc-v2-cbor";

    /** One metric datum as sent. {@code value}, {@code unit} and {@code timestamp} may be null when not sent. */
    public record Datum(String metricName, Map<String, String> dimensions, Double value, String unit,
                        Instant timestamp) {
        public Datum {
            dimensions = Collections.unmodifiableMap(new LinkedHashMap<>(dimensions));
        }
    }

    /** One successful {@code PutMetricData} request. */
    public record PutMetricData(String namespace, List<Datum> metricData) {
        public PutMetricData {
            metricData = List.copyOf(metricData);
        }
    }

    /** How {@link #failNext} fails a request; both are retried by the SDK's default retry strategy. */
    public enum Failure {
        /** HTTP 500 {@code InternalServiceFault}: retried as a server error. */
        SERVER_ERROR(500, "InternalServiceFault", "Receiver"),
        /** HTTP 400 {@code Throttling}, CloudWatch's throttling code: retried with throttling back-off. */
        THROTTLING(400, "Throttling", "Sender");

        private final int status;
        private final String code;
        private final String fault;

        Failure(int status, String code, String fault) {
            this.status = status;
            this.code = code;
            this.fault = fault;
        }
    }

    private final CBORMapper cbor = new CBORMapper();
    private final HttpServer server;
    private final ExecutorService executor;
    private final URI endpoint;
    private final List<PutMetricData> calls = new CopyOnWriteArrayList<>();
    private final AtomicInteger requests = new AtomicInteger();
    private final Object failureLock = new Object();
    private int failuresLeft;
    private Failure failure = Failure.SERVER_ERROR;

    private EmbeddedCloudWatch(int port) {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind 127.0.0.1:" + port, e);
        }
        executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "local-cloudwatch");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        endpoint = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Starts on the given port (0 = any free port). */
    public static EmbeddedCloudWatch start(int port) {
        return new EmbeddedCloudWatch(port);
    }

    /** Starts on a free port. */
    public static EmbeddedCloudWatch start() {
        return start(0);
    }

    public URI endpoint() {
        return endpoint;
    }

    public Region region() {
        return REGION;
    }

    /** The successful {@code PutMetricData} calls so far, oldest first (a snapshot). */
    public List<PutMetricData> calls() {
        return List.copyOf(calls);
    }

    /** Every request received, failed ones included: more requests than calls means retries. */
    public int requestCount() {
        return requests.get();
    }

    /** Forgets recorded calls, the request count and pending failures (for shared instances). */
    public void reset() {
        synchronized (failureLock) {
            failuresLeft = 0;
        }
        calls.clear();
        requests.set(0);
    }

    /** Makes the next {@code count} requests fail with {@code failure} instead of being recorded. */
    public void failNext(int count, Failure failure) {
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0, was " + count);
        }
        synchronized (failureLock) {
            this.failuresLeft = count;
            this.failure = Objects.requireNonNull(failure, "failure");
        }
    }

    /** A new real CloudWatch client for this endpoint; the caller closes it. */
    public CloudWatchClient newClient() {
        return newClientBuilder().build();
    }

    /** A builder already pointed at this endpoint, for tests that adjust e.g. the retry strategy. */
    public CloudWatchClientBuilder newClientBuilder() {
        return SdkClients.cloudWatch(endpoint, REGION, ACCESS_KEY, SECRET_KEY);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    @Override
    public String toString() {
        return "EmbeddedCloudWatch[" + endpoint + "]";
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            requests.incrementAndGet();
            Failure pending = takeFailure();
            if (pending != null) {
                respondError(exchange, pending.status, pending.code, pending.fault, "injected failure");
                return;
            }
            if (!"POST".equals(exchange.getRequestMethod())
                    || !PUT_METRIC_DATA_PATH.equals(exchange.getRequestURI().getPath())) {
                respondError(exchange, 400, "UnknownOperationException", "Sender",
                        "only PutMetricData is implemented, got " + exchange.getRequestMethod() + " "
                                + exchange.getRequestURI().getPath());
                return;
            }
            // What the SDK sends; another client (or an SDK that changed protocol) fails loudly here.
            String protocol = exchange.getRequestHeaders().getFirst("smithy-protocol");
            String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
            if (!SMITHY_PROTOCOL.equals(protocol) || !"application/cbor".equals(contentType)) {
                respondError(exchange, 400, "InvalidParameterValue", "Sender", "expected smithy-protocol: "
                        + SMITHY_PROTOCOL + " and Content-Type: application/cbor, got " + protocol + ", " + contentType);
                return;
            }
            PutMetricData call;
            try {
                call = decode(cbor.readTree(body));
            } catch (IOException | RuntimeException e) {
                respondError(exchange, 400, "InvalidParameterValue", "Sender", "cannot decode request: " + e);
                return;
            }
            calls.add(call);
            respond(exchange, 200, cbor.createObjectNode());
        }
    }

    private Failure takeFailure() {
        synchronized (failureLock) {
            if (failuresLeft == 0) {
                return null;
            }
            failuresLeft--;
            return failure;
        }
    }

    private static PutMetricData decode(JsonNode request) {
        List<Datum> data = new ArrayList<>();
        for (JsonNode datum : request.path("MetricData")) {
            Map<String, String> dimensions = new LinkedHashMap<>();
            for (JsonNode dimension : datum.path("Dimensions")) {
                dimensions.put(dimension.path("Name").asText(), dimension.path("Value").asText());
            }
            JsonNode value = datum.get("Value");
            JsonNode unit = datum.get("Unit");
            data.add(new Datum(
                    datum.path("MetricName").asText(),
                    dimensions,
                    value == null ? null : value.asDouble(),
                    unit == null ? null : unit.asText(),
                    timestamp(datum.get("Timestamp"))));
        }
        return new PutMetricData(request.path("Namespace").asText(), data);
    }

    /** RPCv2 CBOR sends timestamps as tag 1 (epoch seconds, integer or floating point). */
    private static Instant timestamp(JsonNode node) {
        if (node == null || !node.isNumber()) {
            return null;
        }
        if (node.canConvertToExactIntegral()) {
            return Instant.ofEpochSecond(node.asLong());
        }
        return Instant.ofEpochMilli(Math.round(node.asDouble() * 1000));
    }

    private void respondError(HttpExchange exchange, int status, String code, String fault, String message)
            throws IOException {
        ObjectNode error = cbor.createObjectNode();
        error.put("__type", code);
        error.put("message", message);
        // CloudWatch is "awsQueryCompatible": clients take the query-era error code from this header.
        exchange.getResponseHeaders().add("x-amzn-query-error", code + ";" + fault);
        respond(exchange, status, error);
    }

    private void respond(HttpExchange exchange, int status, JsonNode body) throws IOException {
        byte[] bytes = cbor.writeValueAsBytes(body);
        exchange.getResponseHeaders().add("smithy-protocol", SMITHY_PROTOCOL);
        exchange.getResponseHeaders().add("Content-Type", "application/cbor");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }
}
