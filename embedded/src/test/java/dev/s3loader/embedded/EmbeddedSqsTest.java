package dev.s3loader.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3loader.embedded.EmbeddedSqs.Queues;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

class EmbeddedSqsTest {
    private static SqsClient sqs;

    @BeforeAll
    static void client() {
        sqs = SharedServers.sqs().newClient();
    }

    @AfterAll
    static void close() {
        sqs.close();
    }

    @Test
    void createQueueWithDeadLetterQueue_redrivePolicySet() {
        // Act
        Queues q = SharedServers.sqs().createQueueWithDeadLetterQueue("attrs", 3, Duration.ofSeconds(90));

        // Assert
        Map<QueueAttributeName, String> attrs = sqs.getQueueAttributes(b -> b.queueUrl(q.queueUrl())
                .attributeNames(QueueAttributeName.ALL)).attributes();
        assertThat(attrs.get(QueueAttributeName.VISIBILITY_TIMEOUT)).isEqualTo("90");
        assertThat(attrs.get(QueueAttributeName.REDRIVE_POLICY))
                .contains(q.deadLetterQueueArn()).contains("maxReceiveCount").contains("3");
        assertThat(q.queueUrl()).startsWith(SharedServers.sqs().endpoint().toString()).endsWith("/attrs");
        assertThat(q.deadLetterQueueUrl()).endsWith("/attrs-dlq");
        assertThat(q.deadLetterQueueArn()).isEqualTo("arn:aws:sqs:us-east-1:000000000000:attrs-dlq");
    }

    @Test
    void receive_moreThanMaxReceiveCount_messageMovesToDeadLetterQueue() {
        // Arrange
        Queues q = SharedServers.sqs().createQueueWithDeadLetterQueue("redrive", 2, Duration.ofSeconds(30));
        sqs.sendMessage(b -> b.queueUrl(q.queueUrl()).messageBody("{\"key\":\"incoming/a b+c\"}"));

        // Act: receive twice without deleting; making it visible again at once stands in for a timeout.
        for (int receive = 1; receive <= 2; receive++) {
            List<Message> got = sqs.receiveMessage(b -> b.queueUrl(q.queueUrl()).waitTimeSeconds(1)
                    .messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)).messages();
            String count = Integer.toString(receive);
            assertThat(got).singleElement().satisfies(m -> assertThat(
                    m.attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT))
                    .as("ApproximateReceiveCount on receive %s", count).isEqualTo(count));
            String handle = got.get(0).receiptHandle();
            sqs.changeMessageVisibility(b -> b.queueUrl(q.queueUrl()).receiptHandle(handle).visibilityTimeout(0));
        }
        List<Message> third = sqs.receiveMessage(b -> b.queueUrl(q.queueUrl()).waitTimeSeconds(1)).messages();

        // Assert
        assertThat(third).isEmpty();
        List<Message> dead = sqs.receiveMessage(b -> b.queueUrl(q.deadLetterQueueUrl()).waitTimeSeconds(1)).messages();
        assertThat(dead).singleElement().extracting(Message::body).isEqualTo("{\"key\":\"incoming/a b+c\"}");
    }

    @Test
    void start_fixedPortAndSecondInstance_independentServers() {
        // Arrange
        int port = dev.s3loader.embedded.FreePort.orPick(0);

        // Act
        try (EmbeddedSqs own = EmbeddedSqs.start(port); SqsClient client = own.newClient()) {
            String url = client.createQueue(b -> b.queueName("own")).queueUrl();
            client.sendMessage(b -> b.queueUrl(url).messageBody("hello"));

            // Assert
            assertThat(own.endpoint().getPort()).isEqualTo(port);
            assertThat(url).isEqualTo("http://127.0.0.1:" + port + "/" + EmbeddedSqs.ACCOUNT_ID + "/own");
            assertThat(client.receiveMessage(b -> b.queueUrl(url)).messages())
                    .singleElement().extracting(Message::body).isEqualTo("hello");
            assertThat(sqs.listQueues().queueUrls()).noneMatch(u -> u.endsWith("/own"));
        }
    }
}
