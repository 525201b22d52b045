package dev.s3loader.loader;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.s3loader.model.LoaderConfig;
import dev.s3loader.loader.destination.Deadline;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/** The SQS-triggered Lambda: adapts the event to deliveries and reports only the failed messages back. */
public final class LoaderHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {
    private final BatchProcessor processor;

    /** What Lambda calls: configuration and clients are read and built once per container. */
    public LoaderHandler() {
        this(checked(Loader.onAws(LoaderConfig.fromEnv(System.getenv()))).processor());
    }

    /** The store is probed in the init phase: a store no path is safe on fails the init, before any message. */
    private static Loader checked(Loader loader) {
        loader.checkStore();
        return loader;
    }

    public LoaderHandler(BatchProcessor processor) {
        this.processor = processor;
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
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        if (event == null || event.getRecords() == null || event.getRecords().isEmpty()) {
            return new SQSBatchResponse(List.of());
        }
        List<Delivery> deliveries = event.getRecords().stream()
                .map(r -> Delivery.of(r.getMessageId(), r.getBody(),
                        r.getAttributes() == null ? null : r.getAttributes().get("ApproximateReceiveCount")))
                .toList();
        BatchOutcome outcome = processor.process(deliveries, deadline(context));
        return new SQSBatchResponse(outcome.failedMessageIds().stream()
                .map(SQSBatchResponse.BatchItemFailure::new).toList());
    }
}
