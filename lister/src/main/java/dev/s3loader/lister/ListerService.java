package dev.s3loader.lister;

import dev.s3loader.clients.logging.JsonLogs;
import dev.s3loader.clients.logging.LogFields;
import dev.s3loader.lister.internal.DispatchPlan;
import dev.s3loader.lister.internal.DispatchPlanner;
import dev.s3loader.lister.internal.LastRunStore;
import dev.s3loader.lister.internal.PassListing;
import dev.s3loader.lister.internal.RangeListing;
import dev.s3loader.lister.internal.MessageSender;
import dev.s3loader.lister.internal.QueueDepth;
import dev.s3loader.model.FileMessage;
import dev.s3loader.model.ListerConfig;
import dev.s3loader.model.ListerRun;
import dev.s3loader.model.ListerState;
import dev.s3loader.model.ListingPass;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.logging.Level;
import java.util.logging.Logger;

/** One lister run: read the in-flight state, list incoming/ once, dispatch, save the state, publish the backlog. */
public final class ListerService {
    private static final Logger LOG = Logger.getLogger(ListerService.class.getName());
    private final ListerConfig config;
    private final RangeListing listing;
    private final ExecutorService listers;
    private final StateStore store;
    private final MessageSender sender;
    private final QueueDepth queue;
    private final BacklogPublisher publisher;
    private final DispatchPlanner planner;
    private final LastRunStore lastRun;
    private final Clock clock;

    ListerService(ListerConfig config, RangeListing listing, StateStore store, MessageSender sender,
                         QueueDepth queue, BacklogPublisher publisher, LastRunStore lastRun, Clock clock) {
        this.config = config;
        this.listing = listing;
        this.listers = Executors.newCachedThreadPool(Thread.ofPlatform().name("s3loader-list-", 0).daemon(true).factory());
        this.store = store;
        this.sender = sender;
        this.queue = queue;
        this.publisher = publisher;
        this.planner = new DispatchPlanner(config.maxInFlightFiles(), config.requeueAfter(), config.maxAttempts(),
                config.eventGrace());
        this.lastRun = lastRun;
        this.clock = clock;
    }

    /** One run that may list all of {@code incoming/}. */
    public Backlog runOnce() {
        return runOnce(Duration.ofDays(365));
    }

    /**
     * One run: lists for at most {@code listFor} (the rest of a pass too large for that is listed by
     * the next runs, from where this one stopped), dispatches from what it listed, saves the state.
     */
    public Backlog runOnce(Duration listFor) {
        return runOnce(listFor, Long.MAX_VALUE);
    }

    /**
     * One run that lists for at most {@code listFor} and at most {@code maxListed} files. Its outcome
     * and figures are recorded for {@code s3loader status}, a failed run's error too.
     */
    public Backlog runOnce(Duration listFor, long maxListed) {
        Instant startedAt = clock.instant();
        try {
            Run run = listAndDispatch(listFor, maxListed);
            lastRun.write(ListerRun.ok(startedAt, clock.instant(), run.figures()));
            return run.backlog();
        } catch (RuntimeException e) {
            lastRun.write(ListerRun.failed(startedAt, clock.instant(), e.getMessage() == null ? e.toString() : e.getMessage()));
            throw e;
        }
    }

    private record Run(Backlog backlog, ListerRun.Figures figures) {
    }

    private Run listAndDispatch(Duration listFor, long maxListed) {
        long started = System.nanoTime();
        store.conditions();
        StateStore.Loaded loaded = store.load();
        ListerState state = loaded.state();
        ListingPass pass = state.pass().orElseGet(() -> ListingPass.start(List.of(), ListingPass.Totals.NONE));
        // Read before the listing: a message deleted since then had its file moved first, so the listing misses it too.
        OptionalLong queueHeld = queue.read();
        DispatchPlan plan;
        ListingPass nextPass;
        boolean passComplete;
        try (PassListing listed = new PassListing(listing, pass, listFor, maxListed, listers)) {
            plan = planner.plan(listed, state, clock.instant(), queueHeld, listed::covered);
            nextPass = listed.advanced(plan.files(), plan.bytes(), plan.oldest(), config.listRanges());
            passComplete = listed.passCompleted();
        }
        List<FileMessage> messages = plan.toSend().stream()
                .map(d -> new FileMessage(config.bucket(), d.file().key(), d.file().etag(), d.file().size(),
                        d.file().lastModified()))
                .toList();
        Set<String> accepted = sender.send(messages);
        ListerState next = new ListerState(plan.stateAfter(accepted, state.entries()).entries(), nextPass);
        if (!store.save(next, loaded.etag())) {
            // Another writer won: its state stands, and this run's in-flight figures describe nothing saved.
            throw new StateConflictException("lister state s3://" + config.bucket() + "/" + config.layout().listerStateKey()
                    + " was changed by another writer during this run (two listers at once?); " + accepted.size()
                    + " messages sent this run are not recorded and may be sent again (harmless duplicates);"
                    + " no metrics published");
        }
        // A pass that ended this run started the next one, whose 'previous' is its totals.
        ListingPass.Totals shown = passComplete ? nextPass.previous() : inProgress(nextPass);
        Backlog backlog = Backlog.of(shown.files(), shown.bytes(), shown.oldest(), clock.instant(), next.size(),
                accepted.size(), plan.stuck(), plan.waiting(), passComplete);
        publisher.publish(backlog);
        long requeued = plan.toSend().stream()
                .filter(d -> d.kind() == DispatchPlan.Kind.REQUEUED && accepted.contains(d.file().key())).count();
        long millis = (System.nanoTime() - started) / 1_000_000;
        // One line per run, its figures as fields (README "Logs: one line per file, one per lister run").
        JsonLogs.event(LOG, Level.INFO, String.format("lister run: backlog %d files / %d bytes, oldest %ds%s, in flight %d,"
                                + " enqueued %d, stuck %d, waiting %d, listed %d this run (%d ms)",
                        backlog.files(), backlog.bytes(), backlog.oldestAge().toSeconds(),
                        passComplete ? "" : " (listing under way over several runs)", backlog.inFlight(), backlog.enqueued(),
                        backlog.stuck(), backlog.waiting(), plan.files(), millis),
                LogFields.of("event", "lister", "backlogFiles", backlog.files(), "backlogBytes", backlog.bytes(),
                        "oldestFileAgeSeconds", backlog.oldestAge().toSeconds(), "inFlight", backlog.inFlight(),
                        "enqueued", backlog.enqueued(), "requeued", requeued, "stuck", backlog.stuck(),
                        "waiting", backlog.waiting(), "listed", plan.files(), "passComplete", passComplete,
                        "millis", millis));
        return new Run(backlog, new ListerRun.Figures(plan.files(), accepted.size(), (int) requeued, backlog.inFlight(),
                backlog.stuck(), backlog.waiting(), backlog.files(), backlog.bytes(), backlog.oldestAge().toSeconds(),
                passComplete));
    }

    /** While a pass is under way, the larger of the last complete pass and what this one has counted so far. */
    private static ListingPass.Totals inProgress(ListingPass p) {
        ListingPass.Totals prev = p.previous();
        Instant oldest = prev.oldest() == null ? p.oldest()
                : p.oldest() == null ? prev.oldest() : p.oldest().isBefore(prev.oldest()) ? p.oldest() : prev.oldest();
        return new ListingPass.Totals(Math.max(prev.files(), p.files()), Math.max(prev.bytes(), p.bytes()), oldest);
    }

    /** A run whose state was overwritten by another lister: nothing it did is recorded. */
    public static final class StateConflictException extends IllegalStateException {
        StateConflictException(String message) {
            super(message);
        }
    }

    /**
     * Runs once, then again while files still wait for room or the listing of a large backlog is
     * under way, as long as {@code refillFor} lasts: a fleet that drains the queue early is refilled
     * within the same schedule period, and a pass spread over runs moves on without waiting a tick.
     *
     * @param listFor how long each run may list before it dispatches what it has seen
     */
    public Backlog run(Duration refillFor, Duration listFor, Duration pause) {
        long deadline = System.nanoTime() + refillFor.toNanos();
        Backlog last = runOnce(listFor);
        while ((last.waiting() > 0 || !last.passComplete()) && System.nanoTime() + pause.toNanos() < deadline) {
            if (last.passComplete()) {
                try {
                    Thread.sleep(pause);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            Duration left = Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
            last = runOnce(left.compareTo(listFor) < 0 ? left : listFor);
        }
        return last;
    }
}
