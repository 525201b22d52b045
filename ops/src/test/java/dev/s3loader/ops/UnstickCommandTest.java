package dev.s3loader.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.s3loader.model.FileMessage;
import dev.s3loader.model.InFlight;
import dev.s3loader.model.ListerState;
import dev.s3loader.ops.repair.ListerStateEditor;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * {@code s3loader unstick} against the shared S3 and SQS with the real lister: a file counted as
 * stuck is dispatched again by the next lister run once its attempts are reset.
 */
class UnstickCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String STUCK = "incoming/q/stuck\u0001 tab\t ünï 😀 ";
    private final RepairFixture f = new RepairFixture();

    @AfterEach
    void close() {
        f.close();
    }

    /** A stuck file (5 dispatches, 2 h ago) and a file in flight normally (1 dispatch, now). */
    private void stuckAndInFlight() {
        String stuckEtag = f.put(STUCK, "1\n");
        String freshEtag = f.put("incoming/q/fresh.csv", "2\n");
        TreeMap<String, InFlight> entries = new TreeMap<>();
        entries.put(STUCK, new InFlight(stuckEtag, Instant.now().minus(Duration.ofHours(2)), 5));
        entries.put("incoming/q/fresh.csv", new InFlight(freshEtag, Instant.now(), 1));
        f.writeState(entries);
    }

    @Test
    void unstick_all_nextListerRunDispatchesTheStuckFileAgain() throws Exception {
        stuckAndInFlight();
        // Without unstick the lister leaves the stuck file alone.
        f.lister().runOnce();
        assertThat(f.receiveAll(f.queues.queueUrl())).isEmpty();

        AuditFixture.Run r = f.run("unstick", "--all", "--yes");

        assertThat(r.status()).as(r.out() + r.err()).isEqualTo(0);
        assertThat(r.out()).contains("1 stuck", "reset 1");
        assertThat(f.state().entries()).doesNotContainKey(STUCK).containsKey("incoming/q/fresh.csv");
        f.lister().runOnce();
        List<String> sent = f.receiveAll(f.queues.queueUrl()).stream().map(m -> FileMessage.fromJson(m.body()).key()).toList();
        assertThat(sent).containsExactly(STUCK);
    }

    @Test
    void unstick_namedKey_resetsItAndReportsUnknownKeys() throws Exception {
        stuckAndInFlight();

        AuditFixture.Run r = f.run("unstick", STUCK, "incoming/q/nope.csv", "--yes", "--json");

        assertThat(r.status()).as(r.out() + r.err()).isEqualTo(1);
        JsonNode j = JSON.readTree(r.out());
        assertThat(j.path("reset").asLong()).isEqualTo(1);
        assertThat(j.path("keys").get(0).path("key").asText()).isEqualTo(STUCK);
        assertThat(j.path("unknown").get(0).asText()).isEqualTo("incoming/q/nope.csv");
        assertThat(f.state().entries()).doesNotContainKey(STUCK);
    }

    @Test
    void unstick_keyThatIsNotStuck_isLeftAloneAndSaidSo() {
        stuckAndInFlight();

        AuditFixture.Run r = f.run("unstick", "incoming/q/fresh.csv", "--yes");

        assertThat(r.status()).as(r.out() + r.err()).isEqualTo(1);
        assertThat(r.out()).contains("'incoming/q/fresh.csv'", "not stuck");
        assertThat(f.state().entries()).containsKeys(STUCK, "incoming/q/fresh.csv");
    }

    @Test
    void unstick_withoutYes_changesNothing() {
        stuckAndInFlight();
        Map<String, String> before = f.snapshot();

        AuditFixture.Run r = f.run("unstick", "--all");

        assertThat(r.status()).as(r.out() + r.err()).isEqualTo(0);
        assertThat(r.out()).contains("1 stuck", "'incoming/q/stuck\\u0001 tab\\u0009 ünï 😀 '  5 dispatches",
                "nothing changed; run again with --yes");
        assertThat(f.snapshot()).isEqualTo(before);
    }

    @Test
    void unstick_badArguments_oneClearLineAndExitTwo() {
        AuditFixture.Run none = f.run("unstick");
        AuditFixture.Run both = f.run("unstick", "--all", "incoming/a");

        assertThat(none.status()).isEqualTo(2);
        assertThat(none.err().strip()).isEqualTo("s3loader unstick: name the stuck keys to reset, or --all");
        assertThat(both.status()).isEqualTo(2);
        assertThat(both.err().strip()).isEqualTo("s3loader unstick: give either keys or --all, not both");
    }

    @Test
    void stateEditor_anotherWriterBetweenReadAndWrite_retriesAndKeepsTheirChange() {
        f.writeState(new TreeMap<>(Map.of("incoming/a", new InFlight("\"a\"", Instant.now(), 5))));
        ListerStateEditor editor = new ListerStateEditor(f.s3, f.bucket, RepairFixture.LAYOUT.listerStateKey(), 5);
        AtomicInteger calls = new AtomicInteger();

        boolean written = editor.edit(entries -> {
            if (calls.incrementAndGet() == 1) {
                // A lister run saves its state after this edit read it: the edit's conditional write must lose and retry.
                TreeMap<String, InFlight> theirs = new TreeMap<>(entries);
                theirs.put("incoming/b", new InFlight("\"b\"", Instant.now(), 1));
                f.s3.putObject(b -> b.bucket(f.bucket).key(RepairFixture.LAYOUT.listerStateKey()),
                        RequestBody.fromBytes(new ListerState(theirs).encode()));
            }
            entries.remove("incoming/a");
        });

        assertThat(written).isTrue();
        assertThat(calls.get()).isEqualTo(2);
        assertThat(f.state().entries()).containsOnlyKeys("incoming/b");
    }
}
