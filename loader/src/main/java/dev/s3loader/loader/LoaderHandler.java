package dev.s3loader.loader;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.s3loader.clients.logging.JsonLogs;
import dev.s3loader.model.LoaderConfig;
import dev.s3loader.model.PreflightAnswer;
import dev.s3loader.loader.destination.Deadline;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The SQS-triggered Lambda: adapts the event to deliveries and reports only the failed messages
 * back. It reads the event's JSON itself (a stream handler) because the same function also answers
 * {@code s3loader check}'s preflight request ({@value PreflightAnswer#REQUEST}, which no SQS event
 * can be) with the {@link Preflight} items, without touching the queue; a typed SQSEvent handler
 * could not tell that request from an empty event. The SQS event is read as Lambda's event source
 * mapping writes it: {@code Records[].messageId}, {@code body}, {@code attributes.ApproximateReceiveCount};
 * the answer is {@code {"batchItemFailures":[{"itemIdentifier":ID}…]}}.
 */
public final class LoaderHandler implements RequestStreamHandler {
    static {
        // Before the clients are built, so that even their first lines are JSON.
        JsonLogs.install();
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final BatchProcessor processor;
    private final Preflight preflight;

    /** What Lambda calls: configuration and clients are read and built once per container. */
    public LoaderHandler() {
        this(checked(LoaderWiring.onAws(LoaderConfig.fromEnv(System.getenv()))));
    }

    /** The store is probed in the init phase: a store no path is safe on fails the init, before any message. */
    private static LoaderWiring checked(LoaderWiring loader) {
        try {
            loader.checkStore();
        } catch (StoreRefusedException e) {
            throw e;
        } catch (software.amazon.awssdk.core.exception.SdkException e) {
            // A request error is no verdict: every batch probes first (a failed probe is not cached)
            // and hands its messages back while the store cannot be probed.
            java.util.logging.Logger.getLogger(LoaderHandler.class.getName()).warning(
                    "could not probe the S3 store at init (every batch probes first): " + e.getMessage());
        }
        return loader;
    }

    public LoaderHandler(LoaderWiring loader) {
        this(loader.processor(), loader.preflight());
    }

    public LoaderHandler(BatchProcessor processor, Preflight preflight) {
        JsonLogs.install(); // again: logging may have been reset since the class loaded (a test does)
        this.processor = processor;
        this.preflight = preflight;
    }

    /**
     * The load must end while there is still time to move the files and answer: a quarter of the
     * remaining time, at most a minute, is kept back for that.
     */
    static Deadline deadline(Context context) {
        if (context == null || context.getRemainingTimeInMillis() <= 0) {
            return Deadline.none();
        }
        Duration remaining = Duration.ofMillis(context.getRemainingTimeInMillis());
        Duration margin = remaining.dividedBy(4);
        if (margin.compareTo(Duration.ofMinutes(1)) > 0) {
            margin = Duration.ofMinutes(1);
        }
        return Deadline.in(remaining.minus(margin), Clock.systemUTC());
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        JsonNode event = JSON.readTree(input);
        String answer;
        if (PreflightAnswer.isRequest(event)) {
            answer = PreflightAnswer.toJson(preflight.run());
        } else {
            answer = failures(process(deliveries(event), context));
        }
        output.write(answer.getBytes(StandardCharsets.UTF_8));
        output.flush();
    }

    /** The same batch handling for a caller that holds the typed event (tests, benchmarks in one JVM). */
    public SQSBatchResponse handle(SQSEvent event, Context context) {
        List<Delivery> deliveries = event == null || event.getRecords() == null ? List.of() : event.getRecords().stream()
                .map(r -> Delivery.of(r.getMessageId(), r.getBody(),
                        r.getAttributes() == null ? null : r.getAttributes().get("ApproximateReceiveCount")))
                .toList();
        return new SQSBatchResponse(process(deliveries, context).stream().map(SQSBatchResponse.BatchItemFailure::new).toList());
    }

    private List<String> process(List<Delivery> deliveries, Context context) {
        if (deliveries.isEmpty()) {
            return List.of();
        }
        return processor.process(deliveries, deadline(context),
                context == null ? null : context.getAwsRequestId()).failedMessageIds();
    }

    private static List<Delivery> deliveries(JsonNode event) {
        List<Delivery> out = new ArrayList<>();
        if (event == null || !event.path("Records").isArray()) {
            return out;
        }
        for (JsonNode r : event.get("Records")) {
            JsonNode count = r.path("attributes").path("ApproximateReceiveCount");
            out.add(Delivery.of(text(r.get("messageId")), text(r.get("body")), count.isMissingNode() ? null : count.asText()));
        }
        return out;
    }

    private static String text(JsonNode n) {
        return n == null || n.isNull() ? null : n.asText();
    }

    private static String failures(List<String> failedIds) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode list = root.putArray("batchItemFailures");
        failedIds.forEach(id -> list.addObject().put("itemIdentifier", id));
        return root.toString();
    }
}
