package dev.s3loader.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.s3loader.model.FileMessage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * {@code s3loader redrive} against the shared ElasticMQ: the dead-letter queue's messages end in
 * the load queue, byte for byte, and the dead-letter queue is empty; both ways of moving them.
 */
class RedriveCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final RepairFixture f = new RepairFixture();

    @AfterEach
    void close() {
        f.close();
    }

    private List<String> deadLetters(int n) {
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String body = new FileMessage(f.bucket, "incoming/dl/" + i + " ctl\u0001 ünï 😀 ", "\"etag" + i + "\"", 10 + i,
                    Instant.parse("2026-01-01T00:00:00Z")).toJson();
            f.sqs.sendMessage(b -> b.queueUrl(f.queues.deadLetterQueueUrl()).messageBody(body));
            bodies.add(body);
        }
        return bodies;
    }

    private static List<String> bodies(List<Message> messages) {
        return messages.stream().map(Message::body).toList();
    }

    @Test
    void redrive_yes_movesEveryDeadLetterBackAndEmptiesTheDeadLetterQueue() throws Exception {
        List<String> sent = deadLetters(3);

        AuditFixture.Run r = f.redrive("--yes", "--json");

        assertThat(r.status()).as(r.out() + r.err()).isEqualTo(0);
        JsonNode j = JSON.readTree(r.out());
        assertThat(j.path("messages").asLong()).isEqualTo(3);
        assertThat(j.path("moved").asLong()).isEqualTo(3);
        assertThat(j.path("method").asText()).isEqualTo("move-task");
        assertThat(f.depth(f.queues.deadLetterQueueUrl())).isZero();
        assertThat(bodies(f.receiveAll(f.queues.queueUrl()))).containsExactlyInAnyOrderElementsOf(sent);
    }

    @Test
    void redrive_receiveSendDelete_movesEveryDeadLetterBack() {
        List<String> sent = deadLetters(12);

        AuditFixture.Run r = f.redrive("--yes", "--method", "receive");

        assertThat(r.status()).as(r.out() + r.err()).isEqualTo(0);
        assertThat(r.out()).contains("12 messages", "moved 12");
        assertThat(f.depth(f.queues.deadLetterQueueUrl())).isZero();
        assertThat(bodies(f.receiveAll(f.queues.queueUrl()))).containsExactlyInAnyOrderElementsOf(sent);
    }

    @Test
    void redrive_withoutYes_saysWhatItWouldMoveAndChangesNothing() {
        deadLetters(2);

        AuditFixture.Run r = f.redrive();

        assertThat(r.status()).as(r.out() + r.err()).isEqualTo(0);
        assertThat(r.out()).contains("2 messages", "'incoming/dl/", "nothing changed; run again with --yes");
        assertThat(f.depth(f.queues.deadLetterQueueUrl())).isEqualTo(2);
        assertThat(f.depth(f.queues.queueUrl())).isZero();
    }

    @Test
    void redrive_emptyDeadLetterQueue_saysSoAndExitsZero() {
        AuditFixture.Run r = f.redrive("--yes");

        assertThat(r.status()).as(r.out() + r.err()).isEqualTo(0);
        assertThat(r.out()).contains("0 messages");
    }

    @Test
    void redrive_badMethod_oneClearLineAndExitTwo() {
        AuditFixture.Run r = f.redrive("--method", "teleport");

        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err().strip()).startsWith("s3loader redrive: ").contains("--method").doesNotContain("\n");
    }
}
