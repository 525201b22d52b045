package dev.s3loader.lister;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import dev.s3loader.clients.logging.JsonLogs;
import dev.s3loader.model.ListerConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** The scheduled Lambda: one lister run per EventBridge tick. */
public final class ListerHandler implements RequestHandler<ScheduledEvent, Map<String, Object>> {
    /** Between passes of one invocation: long enough for the fleet to finish some files, short against the schedule. */
    static final Duration PAUSE = Duration.ofSeconds(10);

    static {
        // Before the clients are built, so that even their first lines are JSON.
        JsonLogs.install();
    }

    private final ListerService service;
    private final Duration runFor;
    private final Duration pause;

    /** What Lambda calls: configuration and clients are read and built once per container. */
    public ListerHandler() {
        this(ListerConfig.fromEnv(System.getenv()), Clock.systemUTC());
    }

    private ListerHandler(ListerConfig config, Clock clock) {
        this(ListerWiring.onAws(config, clock), config.runFor(), PAUSE);
    }

    public ListerHandler(ListerService service, Duration runFor, Duration pause) {
        JsonLogs.install(); // again: logging may have been reset since the class loaded (a test does)
        this.service = service;
        this.runFor = runFor;
        this.pause = pause;
    }

    @Override
    public Map<String, Object> handleRequest(ScheduledEvent event, Context context) {
        Duration budget = runFor;
        // Without a context (a test, a tool), a run may list everything.
        Duration listFor = Duration.ofHours(1);
        if (context != null && context.getRemainingTimeInMillis() > 0) {
            // Keep a margin so the last pass always finishes and saves its state before the timeout: a run
            // lists for at most half the time left and dispatches what it saw; the rest of a large
            // backlog is listed by the next runs from where this one stopped.
            Duration half = Duration.ofMillis(context.getRemainingTimeInMillis() / 2);
            budget = min(budget, half);
            listFor = half;
        }
        Backlog b = service.run(budget, listFor, pause);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put(BacklogMetrics.BACKLOG_FILES, b.files());
        summary.put(BacklogMetrics.BACKLOG_BYTES, b.bytes());
        summary.put(BacklogMetrics.OLDEST_FILE_AGE_SECONDS, b.oldestAge().toSeconds());
        summary.put(BacklogMetrics.IN_FLIGHT_FILES, b.inFlight());
        summary.put(BacklogMetrics.ENQUEUED_FILES, b.enqueued());
        summary.put(BacklogMetrics.STUCK_FILES, b.stuck());
        return summary;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
