package dev.s3loader.ops.check;

import dev.s3loader.model.CheckItem;
import dev.s3loader.model.Layout;
import dev.s3loader.model.ListerRun;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The wiring every pipeline has, on AWS and under scripts/local alike: both queues, the load
 * queue's redrive policy to the dead-letter queue (GetQueueAttributes: RedrivePolicy, QueueArn),
 * and the lister's record of its last run.
 */
public final class QueueWiring {
    private final SqsClient sqs;
    private final S3Client s3;
    private final Clock clock;

    public QueueWiring(SqsClient sqs, S3Client s3, Clock clock) {
        this.sqs = sqs;
        this.s3 = s3;
        this.clock = clock;
    }

    /** The queue's ARN, or empty when it cannot be read (the item in {@code items} says why). */
    public Optional<String> arn(String url) {
        try {
            return Optional.ofNullable(sqs.getQueueAttributes(b -> b.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN))
                    .attributes().get(QueueAttributeName.QUEUE_ARN));
        } catch (SdkException e) {
            return Optional.empty();
        }
    }

    public List<CheckItem> items(String queueUrl, String deadLetterQueueUrl, String bucket, Layout layout, Duration staleAfter) {
        List<CheckItem> items = new ArrayList<>();
        Map<QueueAttributeName, String> dlq;
        Map<QueueAttributeName, String> queue;
        try {
            dlq = sqs.getQueueAttributes(b -> b.queueUrl(deadLetterQueueUrl).attributeNames(QueueAttributeName.QUEUE_ARN)).attributes();
            queue = sqs.getQueueAttributes(b -> b.queueUrl(queueUrl).attributeNames(QueueAttributeName.QUEUE_ARN,
                    QueueAttributeName.REDRIVE_POLICY)).attributes();
            items.add(WiringRules.redrive(new WiringRules.QueueView(queueUrl,
                    Optional.ofNullable(queue.get(QueueAttributeName.REDRIVE_POLICY))), dlq.get(QueueAttributeName.QUEUE_ARN)));
        } catch (SdkException e) {
            items.add(CheckItem.problem("queue redrive policy", "cannot read the queues' attributes: " + Describe.error(e),
                    "check --queue-url and --dead-letter-queue-url (or the stack), and grant yourself sqs:GetQueueAttributes on both"));
        }
        items.add(lastRun(bucket, layout, staleAfter));
        return items;
    }

    private CheckItem lastRun(String bucket, Layout layout, Duration staleAfter) {
        String key = layout.listerLastRunKey();
        String text;
        try {
            text = s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asUtf8String();
        } catch (NoSuchKeyException e) {
            return WiringRules.lastRun(Optional.empty(), Optional.empty(), clock.instant(), staleAfter);
        } catch (SdkException e) {
            return CheckItem.problem("lister last run", "cannot read s3://" + bucket + "/" + key + ": " + Describe.error(e),
                    "grant yourself s3:GetObject on it (and s3:ListBucket on the bucket)");
        }
        try {
            return WiringRules.lastRun(Optional.of(ListerRun.fromJson(text)), Optional.empty(), clock.instant(), staleAfter);
        } catch (IllegalArgumentException e) {
            return WiringRules.lastRun(Optional.empty(), Optional.of(key + " is unreadable: " + e.getMessage()), clock.instant(),
                    staleAfter);
        }
    }
}
