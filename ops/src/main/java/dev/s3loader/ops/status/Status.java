package dev.s3loader.ops.status;

import dev.s3loader.clients.StoreConditions;

import dev.s3loader.model.InFlight;
import dev.s3loader.model.Layout;
import dev.s3loader.model.ListerRun;
import dev.s3loader.model.ListerState;
import dev.s3loader.ops.Progress;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Reads where the pipeline stands, changing nothing: the backlog in {@code incoming/} joined with
 * the lister's state (in flight, stuck), {@code failed/} with its newest reasons, both queues'
 * depths, and the lister's record of its last run. It costs one LIST per 1,000 files of
 * {@code incoming/} and of {@code failed/}, a GET of the state, of the last run and of each reason
 * shown, and one GetQueueAttributes per queue.
 */
public final class Status {
    private final S3Client s3;
    private final SqsClient sqs;
    private final String bucket;
    private final Layout layout;
    private final String queueUrl;
    private final String deadLetterQueueUrl;
    private final StatusSettings settings;
    private final Clock clock;
    private final Function<String, Progress> progress;

    /** @param progress a progress line for a listing, by its label */
    public Status(S3Client s3, SqsClient sqs, String bucket, Layout layout, String queueUrl, String deadLetterQueueUrl,
                  StatusSettings settings, Clock clock, Function<String, Progress> progress) {
        this.s3 = s3;
        this.sqs = sqs;
        this.bucket = bucket;
        this.layout = layout;
        this.queueUrl = queueUrl;
        this.deadLetterQueueUrl = deadLetterQueueUrl;
        this.settings = settings;
        this.clock = clock;
        this.progress = progress;
    }

    public StatusReport read() {
        Instant at = clock.instant();
        // The queues first: a file whose message is gone from them has left incoming/ before the listing sees it.
        StatusReport.QueueDepth queue = depth(queueUrl);
        StatusReport.QueueDepth deadLetter = depth(deadLetterQueueUrl);
        StatusReport.LastRun lastRun = lastRun();
        State state = state();
        StatusReport.Backlog backlog;
        try (Progress p = progress.apply("listing s3://" + bucket + "/" + layout.incoming())) {
            backlog = new BacklogScan(s3, bucket, layout, settings).scan(state.entries(), state.problem(), at, p);
        }
        StatusReport.Failed failed;
        try (Progress p = progress.apply("listing s3://" + bucket + "/" + layout.failed())) {
            failed = new FailedScan(s3, bucket, layout, settings).scan(p);
        }
        return new StatusReport(bucket, at, backlog, failed, queue, deadLetter, lastRun,
                Health.problems(backlog, deadLetter, lastRun, at, settings), store());
    }

    /** The first two lines of the loader's probe record: the paths it chose (or its refusal), and when. */
    private Optional<String> store() {
        try {
            String[] lines = s3.getObjectAsBytes(b -> b.bucket(bucket).key(StoreConditions.recordKey(layout.internal())))
                    .asUtf8String().split("\n", 3);
            return Optional.of(lines[0] + (lines.length > 1 ? " (" + lines[1] + ")" : ""));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        }
    }

    private StatusReport.QueueDepth depth(String url) {
        Map<QueueAttributeName, String> a = sqs.getQueueAttributes(b -> b.queueUrl(url).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE,
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED)).attributes();
        return new StatusReport.QueueDepth(url, count(a, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES),
                count(a, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE),
                count(a, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED));
    }

    private static long count(Map<QueueAttributeName, String> attributes, QueueAttributeName name) {
        String v = attributes.get(name);
        return v == null ? 0 : Long.parseLong(v);
    }

    private record State(Map<String, InFlight> entries, Optional<String> problem) {
    }

    /** The lister's in-flight set; none yet is empty, an unreadable one is empty and a problem (the lister starts afresh too). */
    private State state() {
        String key = layout.listerStateKey();
        try (var in = s3.getObject(b -> b.bucket(bucket).key(key))) {
            return new State(ListerState.decode(in).entries(), Optional.empty());
        } catch (NoSuchKeyException e) {
            return new State(Map.of(), Optional.empty());
        } catch (UncheckedIOException | IllegalArgumentException e) {
            return new State(Map.of(), Optional.of("the lister state " + key + " is unreadable (" + e.getMessage()
                    + "); the lister starts from an empty in-flight set, so files in flight are sent again"));
        } catch (java.io.IOException e) {
            throw new UncheckedIOException("cannot read the lister state " + key + ": " + e.getMessage(), e);
        }
    }

    private StatusReport.LastRun lastRun() {
        String key = layout.listerLastRunKey();
        String text;
        try {
            text = s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asUtf8String();
        } catch (NoSuchKeyException e) {
            return new StatusReport.LastRun(Optional.empty(), Optional.empty());
        }
        try {
            return new StatusReport.LastRun(Optional.of(ListerRun.fromJson(text)), Optional.empty());
        } catch (IllegalArgumentException e) {
            return new StatusReport.LastRun(Optional.empty(), Optional.of(key + " is unreadable: " + e.getMessage()));
        }
    }
}
