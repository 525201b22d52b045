package dev.s3loader.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.s3loader.embedded.EmbeddedSqs;
import dev.s3loader.embedded.SharedServers;
import dev.s3loader.lister.ListerWiring;
import dev.s3loader.model.ErrorReport;
import dev.s3loader.model.InFlight;
import dev.s3loader.model.Layout;
import dev.s3loader.model.ListerConfig;
import dev.s3loader.model.ListerState;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * {@code s3loader status} against the embedded S3 and SQS, after a real lister run: the figures it
 * prints are those of the files, the lister's state and record, and the queues put there.
 */
class StatusCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Layout LAYOUT = Layout.defaults();
    /** A key with a control character, CR, a space, '+' and a trailing blank: it must come back byte for byte. */
    private static final String AWKWARD = "incoming/stuck/\u0001ctl\r b+c.csv ";

    private final S3Client s3 = SharedServers.s3().newClient();
    private final SqsClient sqs = SharedServers.sqs().newClient();
    private final String bucket = "status-" + UUID.randomUUID().toString().substring(0, 12);
    private final EmbeddedSqs.Queues queues = SharedServers.sqs().createQueueWithDeadLetterQueue(bucket, 3, Duration.ofSeconds(300));

    StatusCommandTest() {
        SharedServers.s3().createBucket(bucket);
    }

    @AfterEach
    void close() {
        s3.close();
        sqs.close();
    }

    private String put(String key, int bytes) {
        return s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(new byte[bytes])).eTag();
    }

    /** A file the loader gave up on: in failed/ with its report. */
    private void failed(String relative, String reason, Instant failedAt) {
        String etag = put(LAYOUT.failed() + relative, 5);
        String incomingKey = LAYOUT.incoming() + relative;
        s3.putObject(b -> b.bucket(bucket).key(LAYOUT.errorReportKey(incomingKey)), RequestBody.fromString(
                new ErrorReport(incomingKey, etag, LAYOUT.failed() + relative, reason, 1, failedAt, Map.of()).toJson()));
    }

    /** One run of the production lister over this bucket and queue. */
    private void listerRun(Clock clock, String queueUrl) {
        ListerConfig config = ListerConfig.fromEnv(Map.of("BUCKET", bucket, "QUEUE_URL", queueUrl));
        ListerWiring.service(config, s3, sqs, backlog -> { }, clock).runOnce();
    }

    /** The lister's state with one entry dispatched MAX_ATTEMPTS (5) times, last two hours ago: stuck by the lister's rule. */
    private void makeStuck(String key) {
        ListerState state = ListerState.decode(s3.getObjectAsBytes(b -> b.bucket(bucket).key(LAYOUT.listerStateKey())).asByteArray());
        TreeMap<String, InFlight> entries = new TreeMap<>(state.entries());
        InFlight was = entries.get(key);
        entries.put(key, new InFlight(was.etag(), Instant.now().minus(Duration.ofHours(2)), 5));
        s3.putObject(b -> b.bucket(bucket).key(LAYOUT.listerStateKey()),
                RequestBody.fromBytes(new ListerState(entries, state.pass().orElse(null)).encode()));
    }

    record Run(int status, String out, String err) {
    }

    private Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("S3LOADER_S3_PORT", String.valueOf(SharedServers.s3().port()));
        env.put("S3LOADER_SQS_PORT", String.valueOf(SharedServers.sqs().port()));
        return env;
    }

    private Run status(String... args) {
        List<String> all = new ArrayList<>(List.of("status", "--local", "--bucket", bucket, "--queue-url", queues.queueUrl(),
                "--dead-letter-queue-url", queues.deadLetterQueueUrl()));
        all.addAll(List.of(args));
        return run(env(), all.toArray(String[]::new));
    }

    static Run run(Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = S3LoaderCommand.run(args, env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /**
     * Three files in incoming/ dispatched by a real lister run, one of them then stuck; one message
     * received (in flight); two failed files with reports and one without; two dead-letter messages.
     */
    private void troubled() {
        put("incoming/a.csv", 10);
        put("incoming/sub dir/b+c.csv", 20);
        put(AWKWARD, 30);
        listerRun(Clock.systemUTC(), queues.queueUrl());
        makeStuck(AWKWARD);
        assertThat(sqs.receiveMessage(b -> b.queueUrl(queues.queueUrl()).maxNumberOfMessages(1)).messages()).hasSize(1);
        for (int i = 0; i < 2; i++) {
            sqs.sendMessage(b -> b.queueUrl(queues.deadLetterQueueUrl()).messageBody("{\"key\":\"incoming/gone.csv\"}"));
        }
        failed("old/rows.csv", "line 2: invalid input syntax for type bigint: \"x\"", Instant.parse("2026-01-01T00:00:00Z"));
        failed("new/rows.csv", "line 7: extra data after last expected column\nsecond line", Instant.parse("2026-02-01T00:00:00Z"));
        put(LAYOUT.failed() + "noreport.csv", 5);
    }

    @Test
    void status_troubledPipeline_printsEveryFigureAndExitsOne() {
        troubled();

        Run r = status();

        assertThat(r.status()).as(r.out() + r.err()).isEqualTo(1);
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).contains(
                "s3loader status of s3://" + bucket + " at ",
                "  backlog      3 files, 60 B in incoming/, oldest ",
                "  in flight    2 files, 1 stuck, 0 waiting (lister state: 3 entries)",
                "      stuck    'incoming/stuck/\\u0001ctl\\u000d b+c.csv '  5 dispatches, last ",
                "  failed       3 files in failed/, newest first:",
                "  'failed/new/rows.csv'  line 7: extra data after last expected column second line",
                "2026-01-01T00:00:00Z  'failed/old/rows.csv'  line 2: invalid input syntax for type bigint: \"x\"",
                "'failed/noreport.csv'  (no error report at _s3loader/reports/keys/noreport.csv.error.json)",
                "  queue        2 waiting, 1 in flight, 0 delayed",
                "  dead letter  2 waiting, 0 in flight, 0 delayed",
                "  lister       last run ok at ",
                "listed 3, dispatched 3 (0 requeued), 0 stuck",
                "health: 2 problems (exit status 1)",
                "  - 1 file stuck (dispatched 5 times, MAX_ATTEMPTS)",
                "  - 2 messages in the dead-letter queue");
        // Newest failure first, by the time in each report (a file without one: when it was moved to failed/).
        assertThat(r.out().indexOf("failed/new/rows.csv")).isLessThan(r.out().indexOf("failed/old/rows.csv"));
    }

    @Test
    void status_json_hasTheFiguresAndTheKeysByteForByte() throws Exception {
        troubled();

        Run r = status("--json");

        assertThat(r.status()).as(r.out() + r.err()).isEqualTo(1);
        JsonNode j = JSON.readTree(r.out());
        assertThat(j.path("healthy").asBoolean()).isFalse();
        assertThat(j.path("problems")).hasSize(2);
        assertThat(j.path("backlog").path("files").asLong()).isEqualTo(3);
        assertThat(j.path("backlog").path("bytes").asLong()).isEqualTo(60);
        assertThat(j.path("backlog").path("inFlight").asLong()).isEqualTo(2);
        assertThat(j.path("backlog").path("waiting").asLong()).isZero();
        assertThat(j.path("backlog").path("oldestAgeSeconds").asLong()).isGreaterThanOrEqualTo(0);
        assertThat(j.path("stuck").path("count").asLong()).isEqualTo(1);
        assertThat(j.path("stuck").path("keys").get(0).path("key").asText()).isEqualTo(AWKWARD);
        assertThat(j.path("stuck").path("keys").get(0).path("attempts").asInt()).isEqualTo(5);
        assertThat(j.path("failed").path("count").asLong()).isEqualTo(3);
        assertThat(j.path("failed").path("newest")).hasSize(3);
        assertThat(j.path("failed").path("newest").get(2).path("reason").asText()).startsWith("line 2: invalid input");
        assertThat(j.path("queue").path("url").asText()).isEqualTo(queues.queueUrl());
        assertThat(j.path("queue").path("visible").asLong()).isEqualTo(2);
        assertThat(j.path("queue").path("inFlight").asLong()).isEqualTo(1);
        assertThat(j.path("deadLetterQueue").path("visible").asLong()).isEqualTo(2);
        JsonNode run = j.path("lastListerRun");
        assertThat(run.path("outcome").asText()).isEqualTo("ok");
        assertThat(run.path("listed").asLong()).isEqualTo(3);
        assertThat(run.path("dispatched").asLong()).isEqualTo(3);
        assertThat(run.path("backlogFiles").asLong()).isEqualTo(3);
        assertThat(run.path("passComplete").asBoolean()).isTrue();
    }

    @Test
    void status_keys_boundsTheKeysNamedNotTheCounts() throws Exception {
        troubled();

        JsonNode j = JSON.readTree(status("--json", "--keys", "1").out());

        assertThat(j.path("failed").path("count").asLong()).isEqualTo(3);
        assertThat(j.path("failed").path("newest")).hasSize(1);
        assertThat(status("--keys", "1").out()).contains("… and 2 more (--keys N shows more)");
    }

    @Test
    void status_healthyPipeline_exitsZero() {
        put("incoming/a.csv", 10);
        failed("bad.csv", "line 1: bad", Instant.parse("2026-01-01T00:00:00Z"));
        listerRun(Clock.systemUTC(), queues.queueUrl());

        Run r = status();

        assertThat(r.status()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("  backlog      1 file, 10 B in incoming/", "  in flight    1 file, 0 stuck, 0 waiting",
                "  failed       1 file in failed/", "  queue        1 waiting, 0 in flight, 0 delayed",
                "  dead letter  0 waiting", "health: OK");
    }

    @Test
    void status_afterTheLoaderProbedTheStore_showsHowItMovesFilesThere() throws Exception {
        put("incoming/a.csv", 10);
        assertThat(status().out()).contains("  S3 store     not probed yet");
        try (var loader = new dev.s3loader.loader.LoaderWiring(dev.s3loader.model.LoaderConfig.fromEnv(Map.of("BUCKET", bucket)),
                new dev.s3loader.loader.LoaderWiring.Clients(s3, () -> {
                    throw new IllegalStateException("not used");
                }), line -> { }, Clock.systemUTC())) {
            loader.checkStore();
        }

        Run r = status();

        assertThat(r.out()).contains("  S3 store     deletes: DeleteObjects with each key's ETag; copies: CopySourceIfMatch;",
                "(probed 20", " by the loader on ");
        assertThat(JSON.readTree(status("--json").out()).path("store").asText()).startsWith("deletes: DeleteObjects");
    }

    @Test
    void status_noListerRunYet_saysSoAndIsNotAProblem() {
        put("incoming/a.csv", 10);

        Run r = status();

        assertThat(r.status()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("  backlog      1 file, 10 B", "  in flight    0 files, 0 stuck, 1 waiting (lister state: 0 entries)",
                "  failed       0 files in failed/", "  lister       no run recorded yet", "health: OK");
    }

    @Test
    void status_lastListerRunFailed_showsItsErrorAndExitsOne() throws Exception {
        put("incoming/a.csv", 10);
        String gone = SharedServers.sqs().endpoint() + "/" + EmbeddedSqs.ACCOUNT_ID + "/" + bucket + "-no-such-queue";
        try {
            listerRun(Clock.systemUTC(), gone);
        } catch (RuntimeException expected) {
            // the lister fails the run: its queue does not exist
        }

        Run r = status();
        JsonNode j = JSON.readTree(status("--json").out());

        assertThat(r.status()).as(r.out() + r.err()).isEqualTo(1);
        assertThat(r.out()).contains("  lister       last run FAILED at ", "  - the last lister run failed: ");
        assertThat(j.path("lastListerRun").path("outcome").asText()).isEqualTo("failed");
        assertThat(j.path("lastListerRun").path("error").asText()).isNotEmpty();
    }

    @Test
    void status_listerNotRunForLongerThanStaleAfter_isAProblem() {
        put("incoming/a.csv", 10);
        listerRun(Clock.offset(Clock.systemUTC(), Duration.ofMinutes(-30)), queues.queueUrl());

        Run stale = status();
        Run lenient = status("--stale-after", "60");

        assertThat(stale.status()).as(stale.out()).isEqualTo(1);
        assertThat(stale.out()).contains("  - the lister last ran 30m ago (more than --stale-after 10 min)");
        assertThat(lenient.status()).as(lenient.out()).isZero();
    }

    @Test
    void status_watchWithJson_printsOneObjectPerLine() throws Exception {
        put("incoming/a.csv", 10);
        listerRun(Clock.systemUTC(), queues.queueUrl());

        Run r = status("--json", "--watch", "1", "--count", "2");

        assertThat(r.status()).as(r.out() + r.err()).isZero();
        String[] lines = r.out().split("\n");
        assertThat(lines).hasSize(2);
        for (String line : lines) {
            assertThat(JSON.readTree(line).path("backlog").path("files").asLong()).isEqualTo(1);
        }
    }

    @Test
    void status_watchWithoutATerminal_printsOneReportPerIntervalBlankLineApart() {
        put("incoming/a.csv", 10);

        Run r = status("--watch", "1", "--count", "2");

        assertThat(r.status()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).doesNotContain("\u001b[").startsWith("s3loader status of ");
        assertThat(r.out().split("\n\ns3loader status of ", -1)).hasSize(2);
    }

    @Test
    void status_watchOnATerminal_redrawsInPlace() {
        put("incoming/a.csv", 10);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        CommandLine cl = new CommandLine(new StatusCommand(env(), out, true));

        int status = cl.execute("--local", "--bucket", bucket, "--queue-url", queues.queueUrl(), "--dead-letter-queue-url",
                queues.deadLetterQueueUrl(), "--watch", "1", "--count", "2");

        String text = bytes.toString(StandardCharsets.UTF_8);
        assertThat(status).isZero();
        assertThat(text).as(text).startsWith("\u001b[H\u001b[2J");
        assertThat(text.split("\u001b\\[H\u001b\\[2J", -1)).as(text).hasSize(3);
        assertThat(text).contains("every 1s; Ctrl-C stops");
    }

    @Test
    void status_badArguments_oneClearLineAndExitTwo() {
        Run count = status("--count", "2");
        Run keys = status("--keys", "-1");
        Run watch = status("--watch", "0");

        assertThat(count.status()).isEqualTo(2);
        assertThat(count.err()).isEqualTo("s3loader status: --count needs --watch\n");
        assertThat(keys.status()).isEqualTo(2);
        assertThat(keys.err()).contains("--keys must be between 0 and 10000");
        assertThat(watch.err()).contains("--watch must be between 1 and 86400");
    }

    @Test
    void status_help_saysWhenItExitsOne() {
        Run r = run(env(), "status", "--help");

        assertThat(r.status()).isZero();
        assertThat(r.out()).contains("Exit status: 0 healthy; 1 it needs you: files are stuck, the dead-letter",
                "--watch", "--json", "--stale-after");
    }
}
