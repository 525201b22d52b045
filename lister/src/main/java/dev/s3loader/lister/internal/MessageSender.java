package dev.s3loader.lister.internal;

import dev.s3loader.model.FileMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.logging.Level;
import java.util.logging.Logger;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;

/**
 * Sends file messages with SendMessageBatch in tens, several batches at once (a run at the
 * in-flight bound sends 10,000 batches; one after another they would take minutes). An entry the
 * response reports as failed is sent again (with backoff) rather than dropped; what still fails is
 * reported back so the caller does not record it as in flight, and the next run tries it again.
 */
public final class MessageSender {
    private static final Logger LOG = Logger.getLogger(MessageSender.class.getName());
    static final int SQS_BATCH = 10;
    private final SqsClient sqs;
    private final String queueUrl;
    private final int rounds;
    private final Duration backoff;
    private final ExecutorService senders;

    public MessageSender(SqsClient sqs, String queueUrl, int rounds, Duration backoff, int concurrency) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.rounds = rounds;
        this.backoff = backoff;
        this.senders = Executors.newFixedThreadPool(concurrency, Thread.ofPlatform().name("s3loader-send-", 0)
                .daemon(true).factory());
    }

    /** Sends every message; returns the keys SQS accepted. */
    public Set<String> send(List<FileMessage> messages) {
        List<Future<Set<String>>> batches = new ArrayList<>();
        for (int from = 0; from < messages.size(); from += SQS_BATCH) {
            List<FileMessage> batch = messages.subList(from, Math.min(messages.size(), from + SQS_BATCH));
            batches.add(senders.submit(() -> sendBatch(batch)));
        }
        Set<String> accepted = new HashSet<>();
        RuntimeException failure = null;
        for (Future<Set<String>> f : batches) {
            try {
                accepted.addAll(f.get());
            } catch (ExecutionException e) {
                // Keep collecting: what other batches sent must still be recorded as in flight.
                LOG.log(Level.WARNING, "a batch of messages was not sent; it is retried next run", e.getCause());
                failure = failure == null && e.getCause() instanceof RuntimeException r ? r : failure;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (accepted.isEmpty() && failure != null) {
            throw failure;
        }
        return accepted;
    }

    private Set<String> sendBatch(List<FileMessage> batch) {
        // Entry ids must be short and plain, so they are positions, never keys.
        Map<String, FileMessage> pending = new LinkedHashMap<>();
        for (int i = 0; i < batch.size(); i++) {
            pending.put(Integer.toString(i), batch.get(i));
        }
        Set<String> accepted = new HashSet<>();
        for (int round = 1; !pending.isEmpty() && round <= rounds; round++) {
            List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
            pending.forEach((id, m) -> entries.add(SendMessageBatchRequestEntry.builder().id(id).messageBody(m.toJson()).build()));
            SendMessageBatchResponse response = sqs.sendMessageBatch(b -> b.queueUrl(queueUrl).entries(entries));
            response.successful().forEach(ok -> accepted.add(pending.remove(ok.id()).key()));
            if (!response.failed().isEmpty()) {
                for (BatchResultErrorEntry failed : response.failed()) {
                    LOG.warning("SQS refused message for " + pending.get(failed.id()).key() + " (round " + round + "): "
                            + failed.code() + " " + failed.message() + (failed.senderFault() ? " [sender fault]" : ""));
                }
                sleep(backoff.multipliedBy(1L << Math.min(round - 1, 6)));
            }
        }
        pending.values().forEach(m -> LOG.warning("not dispatched this run, will retry next run: " + m.key()));
        return accepted;
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
