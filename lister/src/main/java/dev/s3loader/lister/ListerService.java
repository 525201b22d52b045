package dev.s3loader.lister;

import dev.s3loader.clients.AwsClients;
import dev.s3loader.lister.internal.Backlog;
import dev.s3loader.lister.internal.BacklogPublisher;
import dev.s3loader.lister.internal.CloudWatchBacklogPublisher;
import dev.s3loader.lister.internal.DispatchPlan;
import dev.s3loader.lister.internal.DispatchPlanner;
import dev.s3loader.lister.internal.IncomingListing;
import dev.s3loader.lister.internal.MessageSender;
import dev.s3loader.lister.internal.QueueDepth;
import dev.s3loader.lister.internal.StateStore;
import dev.s3loader.model.FileMessage;
import dev.s3loader.model.ListerConfig;
import dev.s3loader.model.ListerState;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.logging.Logger;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/** One lister run: read the in-flight state, list incoming/ once, dispatch, save the state, publish the backlog. */
public final class ListerService {
    private static final Logger LOG = Logger.getLogger(ListerService.class.getName());
    private final ListerConfig config;
    private final IncomingListing listing;
    private final StateStore store;
    private final MessageSender sender;
    private final QueueDepth queue;
    private final BacklogPublisher publisher;
    private final DispatchPlanner planner;
    private final Clock clock;

    public ListerService(ListerConfig config, IncomingListing listing, StateStore store, MessageSender sender,
                         QueueDepth queue, BacklogPublisher publisher, Clock clock) {
        this.config = config;
        this.listing = listing;
        this.store = store;
        this.sender = sender;
        this.queue = queue;
        this.publisher = publisher;
        this.planner = new DispatchPlanner(config.maxInFlightFiles(), config.requeueAfter(), config.maxAttempts());
        this.clock = clock;
    }

    /**
     * The production wiring over the given clients: what the Lambda handler, {@link ListerMain} and
     * the local runtime run, so they cannot drift apart.
     */
    public static ListerService wire(ListerConfig config, S3Client s3, SqsClient sqs, BacklogPublisher publisher,
                                     Clock clock) {
        return new ListerService(config,
                new IncomingListing(s3, config.bucket(), config.layout(), 1000),
                new StateStore(s3, config.bucket(), config.layout().listerStateKey()),
                new MessageSender(sqs, config.queueUrl(), 5, Duration.ofMillis(200), 8),
                new QueueDepth(sqs, config.queueUrl()),
                publisher, clock);
    }

    /** The production wiring on AWS, clients built once per container or process: what the handler and the main run. */
    public static ListerService onAws(ListerConfig config, Clock clock) {
        var http = AwsClients.http();
        var s3 = AwsClients.configure(S3Client.builder(), http).build();
        var sqs = AwsClients.configure(SqsClient.builder(), http).build();
        var cloudWatch = AwsClients.configure(CloudWatchClient.builder(), http).build();
        return wire(config, s3, sqs,
                new CloudWatchBacklogPublisher(cloudWatch, config.metricsNamespace(), config.pipelineName(), clock), clock);
    }

    public Backlog runOnce() {
        long started = System.nanoTime();
        StateStore.Loaded loaded = store.load();
        // Read before the listing: a message deleted since then had its file moved first, so the listing misses it too.
        OptionalLong queueHeld = queue.read();
        DispatchPlan plan = planner.plan(listing.files(), loaded.state(), clock.instant(), queueHeld);
        List<FileMessage> messages = plan.toSend().stream()
                .map(d -> new FileMessage(config.bucket(), d.file().key(), d.file().etag(), d.file().size(),
                        d.file().lastModified()))
                .toList();
        Set<String> accepted = sender.send(messages);
        ListerState next = plan.stateAfter(accepted, loaded.state().entries());
        if (!store.save(next, loaded.etag())) {
            // Another writer won: its state stands, and this run's in-flight figures describe nothing saved.
            throw new StateConflictException("lister state s3://" + config.bucket() + "/" + config.layout().listerStateKey()
                    + " was changed by another writer during this run (two listers at once?); " + accepted.size()
                    + " messages sent this run are not recorded and may be sent again (harmless duplicates);"
                    + " no metrics published");
        }
        Backlog backlog = Backlog.of(plan.files(), plan.bytes(), plan.oldest(), clock.instant(), next.size(),
                accepted.size(), plan.stuck(), plan.waiting());
        publisher.publish(backlog);
        LOG.info(String.format("lister run: backlog %d files / %d bytes, oldest %ds, in flight %d, enqueued %d, stuck %d, waiting %d (%d ms)",
                backlog.files(), backlog.bytes(), backlog.oldestAge().toSeconds(), backlog.inFlight(),
                backlog.enqueued(), backlog.stuck(), backlog.waiting(), (System.nanoTime() - started) / 1_000_000));
        return backlog;
    }

    /** A run whose state was overwritten by another lister: nothing it did is recorded. */
    public static final class StateConflictException extends IllegalStateException {
        StateConflictException(String message) {
            super(message);
        }
    }

    /**
     * Runs once, then again while files still wait for room and the time budget lasts, so that a
     * fleet that drains the queue early is refilled within the same schedule period.
     */
    public Backlog run(Duration budget, Duration pause) {
        long deadline = System.nanoTime() + budget.toNanos();
        Backlog last = runOnce();
        while (last.waiting() > 0 && System.nanoTime() + pause.toNanos() < deadline) {
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            last = runOnce();
        }
        return last;
    }
}
