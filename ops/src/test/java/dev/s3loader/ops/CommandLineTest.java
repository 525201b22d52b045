package dev.s3loader.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3loader.model.InFlight;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The command line's paper cuts, run through the real picocli command against the shared servers. */
class CommandLineTest {
    private final RepairFixture f = new RepairFixture();

    @AfterEach
    void close() {
        f.close();
    }

    private Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("S3LOADER_S3_PORT", String.valueOf(f.server.port()));
        env.put("S3LOADER_SQS_PORT", String.valueOf(f.sqsServer.port()));
        return env;
    }

    @Test
    void unknownVerb_namesItAndTheVerbs() {
        AuditFixture.Run r = AuditFixture.run(env(), "stauts", "--local");

        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err()).startsWith("s3loader: unknown command 'stauts'; the commands are status, check, requeue, unstick, redrive, ")
                .contains("audit").endsWith(" (see s3loader --help)\n");
        assertThat(r.err().lines()).hasSize(1);
    }

    @Test
    void noConnectionOptions_namesStackLocalAndBucket() {
        AuditFixture.Run r = AuditFixture.run(Map.of(), "status");

        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("s3loader status: which pipeline? give --stack NAME (on AWS), --local (scripts/local on this"
                + " machine) or --bucket NAME (or set BUCKET)\n");
    }

    @Test
    void topLevelHelp_eachVerbsLineIsAWholeSentence() {
        AuditFixture.Run r = AuditFixture.run(Map.of(), "--help");

        assertThat(r.status()).isEqualTo(0);
        List<String> verbs = r.out().lines().filter(l -> l.matches("  (status|requeue|unstick|redrive|audit)\\b.*")).toList();
        assertThat(verbs).hasSizeGreaterThanOrEqualTo(5).allSatisfy(l -> assertThat(l.strip()).endsWith("."));
    }

    @Test
    void oneDispatch_isSingular() {
        String etag = f.put("incoming/once.csv", "1\n");
        f.writeState(new TreeMap<>(Map.of("incoming/once.csv", new InFlight(etag, Instant.now().minus(Duration.ofHours(2)), 1))));
        Map<String, String> env = env();
        env.put("MAX_ATTEMPTS", "1");

        AuditFixture.Run unstick = AuditFixture.run(env, "unstick", "--local", "--bucket", f.bucket, "--all");
        AuditFixture.Run status = AuditFixture.run(env, "status", "--local", "--bucket", f.bucket, "--queue-url",
                f.queues.queueUrl(), "--dead-letter-queue-url", f.queues.deadLetterQueueUrl());

        assertThat(unstick.out()).as(unstick.err()).contains("unstick: 1 stuck (1 dispatch, the last ").doesNotContain("dispatches");
        assertThat(status.out()).as(status.err()).contains("1 file stuck (dispatched once, MAX_ATTEMPTS)")
                .doesNotContain("1 times");
    }
}
