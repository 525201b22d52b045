package dev.s3loader.ops.repair;

import dev.s3loader.model.FileMessage;
import dev.s3loader.ops.Progress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.ListMessageMoveTasksResultEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.SqsException;

/**
 * Moves the dead-letter queue's messages back to the load queue. A message there is a file whose
 * loads kept failing for a transient cause (its file still waits in incoming/); once the cause is
 * gone, moving it back loads it. A duplicate is harmless: the loader skips what its ledger holds.
 *
 * <p>Two ways, chosen by the operator ({@link Method}):
 * <ul>
 * <li>{@code MOVE_TASK}, the default: SQS's own redrive, StartMessageMoveTask from the dead-letter
 *     queue's ARN to the load queue's, then ListMessageMoveTasks until it ends. SQS moves the
 *     messages itself, atomically each, at its own pace, and survives this command being stopped.
 *     ElasticMQ (scripts/local, the tests) implements it too since 1.5.</li>
 * <li>{@code RECEIVE}: receive from the dead-letter queue, send to the load queue, then delete
 *     what was sent: send first, so a crash in between duplicates a message instead of losing it.
 *     For SQS-compatible servers without message move tasks, and for operators whose role may not
 *     call StartMessageMoveTask.</li>
 * </ul>
 * The choice is a flag, not an automatic fallback: the move task failing (a permission, a task
 * already running) should be reported, not silently replaced by a different way of moving that
 * needs other permissions and behaves differently (new message ids, receives by this process).
 */
public final class Redrive {
    public enum Method { MOVE_TASK, RECEIVE }

    /** The dead-letter queue's depth and a few of its messages' keys. */
    public record Plan(long messages, long inFlight, List<String> sampleKeys) {
    }

    /** What was moved; {@code left} counts messages not moved (RECEIVE: a send that failed). */
    public record Result(Method method, long moved, long left, Optional<String> taskHandle) {
    }

    private final SqsClient sqs;
    private final String queueUrl;
    private final String deadLetterQueueUrl;
    private final Duration pollEvery;

    public Redrive(SqsClient sqs, String queueUrl, String deadLetterQueueUrl, Duration pollEvery) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.deadLetterQueueUrl = deadLetterQueueUrl;
        this.pollEvery = pollEvery;
    }

    /**
     * Counts the dead letters and reads a few keys. The sample is received with a visibility timeout
     * of 0, so the messages stay visible; it only raises their receive count in the dead-letter queue,
     * which has no redrive policy of its own.
     */
    public Plan plan(int sampleSize) {
        Map<QueueAttributeName, String> a = sqs.getQueueAttributes(b -> b.queueUrl(deadLetterQueueUrl).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
                .attributes();
        long visible = Long.parseLong(a.getOrDefault(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, "0"));
        long hidden = Long.parseLong(a.getOrDefault(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE, "0"));
        List<String> keys = new ArrayList<>();
        if (visible > 0 && sampleSize > 0) {
            for (Message m : sqs.receiveMessage(b -> b.queueUrl(deadLetterQueueUrl).maxNumberOfMessages(Math.min(10, sampleSize))
                    .visibilityTimeout(0).waitTimeSeconds(0)).messages()) {
                keys.add(key(m.body()));
            }
        }
        return new Plan(visible, hidden, keys);
    }

    public Result move(Method method, Progress progress) {
        return method == Method.MOVE_TASK ? moveWithTask(progress) : moveByReceiving(progress);
    }

    /** SQS's redrive: one StartMessageMoveTask, then its progress until it ends. */
    Result moveWithTask(Progress progress) {
        String source = arn(deadLetterQueueUrl);
        String destination = arn(queueUrl);
        String handle;
        try {
            handle = sqs.startMessageMoveTask(b -> b.sourceArn(source).destinationArn(destination)).taskHandle();
        } catch (SqsException e) {
            throw new RepairException("StartMessageMoveTask from " + source + " to " + destination + " failed: "
                    + message(e) + " (a move task may already be running: see aws sqs list-message-move-tasks --source-arn "
                    + source + "; or use --method receive)", e);
        }
        long reported = 0;
        int missing = 0;
        while (true) {
            Optional<ListMessageMoveTasksResultEntry> task = sqs.listMessageMoveTasks(b -> b.sourceArn(source).maxResults(10))
                    .results().stream().filter(t -> handle.equals(t.taskHandle())).findFirst();
            if (task.isEmpty()) {
                // Listed only among the most recent tasks; a task this young is there unless the server forgot it.
                if (++missing > 30) {
                    throw new RepairException("message move task " + handle + " is no longer listed for " + source
                            + "; check the queues' depths");
                }
            } else {
                ListMessageMoveTasksResultEntry t = task.get();
                long moved = t.approximateNumberOfMessagesMoved() == null ? 0 : t.approximateNumberOfMessagesMoved();
                progress.advance(moved - reported);
                reported = moved;
                switch (t.status()) {
                    case "COMPLETED" -> {
                        return new Result(Method.MOVE_TASK, moved, 0, Optional.of(handle));
                    }
                    case "FAILED", "CANCELLED" -> throw new RepairException("message move task " + handle + " "
                            + t.status().toLowerCase() + " after moving " + moved + " messages"
                            + (t.failureReason() == null ? "" : ": " + t.failureReason()));
                    default -> { }
                }
            }
            sleep(pollEvery);
        }
    }

    /** Receive, send, then delete what was sent, ten at a time, until the dead-letter queue answers empty. */
    Result moveByReceiving(Progress progress) {
        long moved = 0;
        long left = 0;
        Set<String> seen = new HashSet<>();
        while (true) {
            // A long poll: a short one may answer empty from a sample of SQS's servers while messages remain.
            List<Message> batch = sqs.receiveMessage(b -> b.queueUrl(deadLetterQueueUrl).maxNumberOfMessages(10)
                    .waitTimeSeconds(1).visibilityTimeout(120).messageAttributeNames("All")
                    .messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages();
            // A message that comes back (its send failed and its visibility ended) is not taken twice in one run.
            List<Message> fresh = batch.stream().filter(m -> seen.add(m.messageId())).toList();
            if (fresh.isEmpty()) {
                return new Result(Method.RECEIVE, moved, left, Optional.empty());
            }
            List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
            for (int i = 0; i < fresh.size(); i++) {
                Message m = fresh.get(i);
                entries.add(SendMessageBatchRequestEntry.builder().id(Integer.toString(i)).messageBody(m.body())
                        .messageAttributes(m.messageAttributes()).build());
            }
            SendMessageBatchResponse sent = sqs.sendMessageBatch(b -> b.queueUrl(queueUrl).entries(entries));
            List<DeleteMessageBatchRequestEntry> delete = new ArrayList<>();
            for (var ok : sent.successful()) {
                Message m = fresh.get(Integer.parseInt(ok.id()));
                delete.add(DeleteMessageBatchRequestEntry.builder().id(ok.id()).receiptHandle(m.receiptHandle()).build());
            }
            left += sent.failed().size();
            if (!delete.isEmpty()) {
                // Not deleted (a failure here): it stays in the dead-letter queue, and is sent again by a later run.
                var deleted = sqs.deleteMessageBatch(b -> b.queueUrl(deadLetterQueueUrl).entries(delete));
                moved += deleted.successful().size();
                progress.advance(deleted.successful().size());
            }
        }
    }

    private String arn(String url) {
        return sqs.getQueueAttributes(b -> b.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN)).attributes()
                .get(QueueAttributeName.QUEUE_ARN);
    }

    static String key(String body) {
        try {
            return FileMessage.fromJson(body).key();
        } catch (RuntimeException e) {
            return "(not a file message: " + (body.length() > 60 ? body.substring(0, 60) + "…" : body) + ")";
        }
    }

    private static String message(SqsException e) {
        return e.awsErrorDetails() != null && e.awsErrorDetails().errorMessage() != null
                ? e.awsErrorDetails().errorCode() + ": " + e.awsErrorDetails().errorMessage() : e.getMessage();
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RepairException("interrupted while waiting for the message move task; SQS goes on moving");
        }
    }
}
