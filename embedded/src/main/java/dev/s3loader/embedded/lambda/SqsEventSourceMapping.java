package dev.s3loader.embedded.lambda;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.s3loader.embedded.lambda.LambdaRuntimeApi.Answer;
import dev.s3loader.embedded.lambda.LambdaRuntimeApi.Status;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * What Lambda's SQS event source mapping does around an invocation, on a real queue: receive a
 * batch (every attribute, every message attribute), turn it into the event Lambda sends
 * ("Using Lambda with Amazon SQS", https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html:
 * messageId, receiptHandle, body, attributes, messageAttributes, md5OfBody, eventSource,
 * eventSourceARN, awsRegion), and apply the function's answer with {@code ReportBatchItemFailures}
 * ("Handling errors for an SQS event source in Lambda",
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html): delete the messages
 * not listed in {@code batchItemFailures}; an empty or missing list means all succeeded; an
 * error, a timeout, or an item identifier that is null, empty or not in the batch fails the whole
 * batch (nothing is deleted; every message comes back after its visibility timeout).
 */
public final class SqsEventSourceMapping {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SqsClient sqs;
    private final String queueUrl;
    private final String queueArn;
    private final String region;

    public SqsEventSourceMapping(SqsClient sqs, String queueUrl, String region) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.queueArn = sqs.getQueueAttributes(b -> b.queueUrl(queueUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
        this.region = region;
    }

    /** One poll as the mapping polls: up to {@code max} messages with all their attributes. */
    public List<Message> receive(int max) {
        return sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(max).waitTimeSeconds(1)
                .messageSystemAttributeNames(MessageSystemAttributeName.ALL).messageAttributeNames("All")).messages();
    }

    /** Receives until {@code count} messages are in hand (or a few empty polls pass). */
    public List<Message> receiveBatch(int count) {
        List<Message> batch = new ArrayList<>();
        for (int empty = 0; batch.size() < count && empty < 5; ) {
            List<Message> got = receive(Math.min(10, count - batch.size()));
            if (got.isEmpty()) {
                empty++;
            }
            batch.addAll(got);
        }
        return batch;
    }

    /** The event Lambda sends for a batch. */
    public String event(List<Message> batch) {
        ObjectNode event = JSON.createObjectNode();
        ArrayNode records = event.putArray("Records");
        for (Message m : batch) {
            ObjectNode r = records.addObject();
            r.put("messageId", m.messageId());
            r.put("receiptHandle", m.receiptHandle());
            r.put("body", m.body());
            ObjectNode attributes = r.putObject("attributes");
            m.attributesAsStrings().forEach(attributes::put);
            ObjectNode messageAttributes = r.putObject("messageAttributes");
            m.messageAttributes().forEach((name, v) -> messageAttribute(messageAttributes.putObject(name), v));
            r.put("md5OfBody", m.md5OfBody());
            if (m.md5OfMessageAttributes() != null) {
                r.put("md5OfMessageAttributes", m.md5OfMessageAttributes());
            }
            r.put("eventSource", "aws:sqs");
            r.put("eventSourceARN", queueArn);
            r.put("awsRegion", region);
        }
        return event.toString();
    }

    private static void messageAttribute(ObjectNode node, MessageAttributeValue v) {
        if (v.stringValue() != null) {
            node.put("stringValue", v.stringValue());
        }
        if (v.binaryValue() != null) {
            node.put("binaryValue", java.util.Base64.getEncoder().encodeToString(v.binaryValue().asByteArray()));
        }
        node.putArray("stringListValues");
        node.putArray("binaryListValues");
        node.put("dataType", v.dataType());
    }

    /**
     * Applies the function's answer to the batch as the mapping does.
     *
     * @return the message ids left on the queue (failed)
     */
    public Set<String> apply(List<Message> batch, Answer answer) {
        Set<String> inBatch = new LinkedHashSet<>();
        batch.forEach(m -> inBatch.add(m.messageId()));
        Set<String> failed = failures(answer, inBatch);
        List<DeleteMessageBatchRequestEntry> delete = new ArrayList<>();
        for (Message m : batch) {
            if (!failed.contains(m.messageId())) {
                delete.add(DeleteMessageBatchRequestEntry.builder().id(Integer.toString(delete.size()))
                        .receiptHandle(m.receiptHandle()).build());
            }
        }
        for (int i = 0; i < delete.size(); i += 10) {
            var chunk = delete.subList(i, Math.min(delete.size(), i + 10));
            var response = sqs.deleteMessageBatch(b -> b.queueUrl(queueUrl).entries(chunk));
            if (!response.failed().isEmpty()) {
                throw new IllegalStateException("DeleteMessageBatch failed: " + response.failed());
            }
        }
        return failed;
    }

    /** The messages the answer fails: all, unless it is a valid partial batch response. */
    static Set<String> failures(Answer answer, Set<String> inBatch) {
        if (answer.status() != Status.RESPONSE) {
            return inBatch;
        }
        JsonNode body;
        try {
            body = JSON.readTree(answer.body());
        } catch (IOException e) {
            return inBatch;
        }
        JsonNode list = body == null ? null : body.get("batchItemFailures");
        if (list == null || list.isNull()) {
            return Set.of();
        }
        Set<String> failed = new LinkedHashSet<>();
        for (JsonNode item : list) {
            JsonNode id = item.get("itemIdentifier");
            if (id == null || id.isNull() || id.asText().isEmpty() || !inBatch.contains(id.asText())) {
                return inBatch;
            }
            failed.add(id.asText());
        }
        return failed;
    }

    public String queueArn() {
        return queueArn;
    }

    /** The JSON of an answer's body, for assertions. */
    public static JsonNode json(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
