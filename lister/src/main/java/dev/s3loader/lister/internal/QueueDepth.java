package dev.s3loader.lister.internal;

import java.util.Map;
import java.util.OptionalLong;
import java.util.logging.Level;
import java.util.logging.Logger;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * How many messages the queue still holds: waiting, received and not yet deleted, and delayed.
 * The lister compares it with the files it has in flight to tell when messages are really gone
 * (deleted without their file moving, expired, or moved to the dead-letter queue).
 */
public final class QueueDepth {
    private static final Logger LOG = Logger.getLogger(QueueDepth.class.getName());
    private final SqsClient sqs;
    private final String queueUrl;

    public QueueDepth(SqsClient sqs, String queueUrl) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
    }

    /** The messages held, or empty when the queue cannot say: then nothing counts as lost this run. */
    public OptionalLong read() {
        try {
            Map<QueueAttributeName, String> a = sqs.getQueueAttributes(b -> b.queueUrl(queueUrl).attributeNames(
                    QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                    QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE,
                    QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED)).attributes();
            long held = 0;
            for (String v : a.values()) {
                held += Long.parseLong(v);
            }
            return OptionalLong.of(held);
        } catch (SdkException | NumberFormatException e) {
            LOG.log(Level.WARNING, "could not read the queue's depth; no message counts as lost this run", e);
            return OptionalLong.empty();
        }
    }
}
