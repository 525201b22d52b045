package dev.s3loader.local.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3loader.embedded.SharedServers;
import dev.s3loader.embedded.lambda.LambdaFunction;
import dev.s3loader.embedded.lambda.LambdaRuntimeApi.Answer;
import dev.s3loader.embedded.lambda.LambdaRuntimeApi.Status;
import dev.s3loader.embedded.lambda.SqsEventSourceMapping;
import dev.s3loader.model.FileMessage;
import dev.s3loader.model.QueueMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * The lister's shaded jar under AWS's runtime interface client, invoked with the scheduled event
 * an EventBridge schedule rule sends (the document AWS prints, verbatim): the runtime client
 * deserialises it into the handler's event type, the run lists incoming/ and enqueues the waiting
 * files on the real queue, and the client serialises the run's summary as the answer.
 */
// Isolated: the function's init probes the store through the JVM's shared S3 server, and once, run beside the
// concurrent fault suite, every attempt of a probe PUT failed ("Error writing request body to server") and init with it.
@org.junit.jupiter.api.parallel.Isolated
class ListerUnderRuntimeClientTest {
    private static final String BUCKET = "ric-lister";

    @Test
    void scheduledEvent_asAwsDocumentsIt_listsAndEnqueuesTheWaitingFiles() {
        // Arrange: three waiting files, keys that are data.
        SharedServers.s3().createBucket(BUCKET);
        String queueUrl = SharedServers.sqs().createQueueWithDeadLetterQueue("ric-lister", 5, Duration.ofMinutes(15))
                .queueUrl();
        List<String> keys = List.of("incoming/ric/plain.csv", "incoming/ric/a b+c%20'\"q.csv", "incoming/ric/ünïcødé ✓.csv");
        try (S3Client s3 = SharedServers.s3().newClient(); SqsClient sqs = SharedServers.sqs().newClient()) {
            keys.forEach(k -> s3.putObject(b -> b.bucket(BUCKET).key(k), RequestBody.fromString("a,b\n1,2\n")));

            // Act
            Answer answer;
            try (LambdaFunction lister = Functions.lister().timeout(Duration.ofSeconds(60))
                    .env("BUCKET", BUCKET).env("QUEUE_URL", queueUrl).start()) {
                answer = lister.invoke(Functions.event("scheduled-event.json"));
                assertThat(answer.status()).as(lister.output()).isEqualTo(Status.RESPONSE);
            }

            // Assert: the answer is the run's summary, and the queue holds one message per file.
            assertThat(answer.inTime()).isTrue();
            var summary = SqsEventSourceMapping.json(answer.body());
            assertThat(summary.get("EnqueuedFiles").asInt()).as(answer.body()).isEqualTo(3);
            assertThat(summary.get("BacklogFiles").asInt()).as(answer.body()).isEqualTo(3);
            List<Message> messages = new SqsEventSourceMapping(sqs, queueUrl, "us-east-1").receiveBatch(3);
            List<String> enqueued = new ArrayList<>();
            for (Message m : messages) {
                QueueMessage.files(m.body()).stream().map(FileMessage::key).forEach(enqueued::add);
            }
            assertThat(enqueued).containsExactlyInAnyOrderElementsOf(keys);
        }
    }
}
