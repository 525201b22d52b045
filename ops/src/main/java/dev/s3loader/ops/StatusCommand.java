package dev.s3loader.ops;

import dev.s3loader.model.Env;
import dev.s3loader.model.Layout;
import dev.s3loader.ops.status.Status;
import dev.s3loader.ops.status.StatusJson;
import dev.s3loader.ops.status.StatusReport;
import dev.s3loader.ops.status.StatusSettings;
import dev.s3loader.ops.status.StatusText;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * {@code s3loader status}: where the pipeline stands (backlog, in flight, stuck, failed, both queues,
 * the lister's last run), once or every few seconds. It changes nothing.
 */
@Command(name = "status", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Shows where the pipeline stands; changes nothing.",
                "The backlog in incoming/ (files, bytes, oldest age), files in flight and stuck (with their keys),",
                "failed/ with the newest reasons, the depths of the queue and the dead-letter queue, and the lister's",
                "last run and its outcome.",
                "Exit status: 0 healthy; 1 it needs you: files are stuck, the dead-letter queue holds messages, the",
                "last lister run failed or ended more than --stale-after minutes ago, or the lister's state is",
                "unreadable (files in failed/ alone are not: they wait there, with their reason, for a requeue);",
                "2 bad arguments; 3 it could not read the bucket or the queues. With --watch: that of the last report.",
                ""})
final class StatusCommand implements Callable<Integer> {
    private static final String CLEAR_HOME = "\u001b[H\u001b[2J";
    private final Map<String, String> env;
    private final PrintStream out;
    private final boolean terminal;

    @Mixin
    ConnectionOptions connection = new ConnectionOptions();

    @Option(names = "--keys", paramLabel = "N", defaultValue = "10",
            description = "stuck keys and newest failed files named (the counts are exact; default: ${DEFAULT-VALUE})")
    int keys;

    @Option(names = "--json", description = "print one JSON object instead of the text (with --watch: one per line)")
    boolean json;

    @Option(names = "--watch", paramLabel = "SECONDS", arity = "0..1", fallbackValue = "5",
            description = "report again every SECONDS (default 5) until interrupted; on a terminal the report is redrawn in place")
    Integer watch;

    @Option(names = "--count", paramLabel = "N", description = "with --watch: stop after N reports (default: until interrupted)")
    Integer count;

    @Option(names = "--stale-after", paramLabel = "MINUTES", defaultValue = "10",
            description = "a last lister run that ended longer ago than this is a problem (default: ${DEFAULT-VALUE})")
    int staleAfterMinutes;

    @Option(names = "--page-size", paramLabel = "N", defaultValue = "1000", description = "keys per LIST request, 1-1000 (default: ${DEFAULT-VALUE})")
    int pageSize;

    /** @param terminal the output is a terminal: --watch redraws in place */
    StatusCommand(Map<String, String> env, PrintStream out, boolean terminal) {
        this.env = env;
        this.out = out;
        this.terminal = terminal;
    }

    @Override
    public Integer call() throws InterruptedException {
        if (keys < 0 || keys > 10_000) {
            throw new UsageException("--keys must be between 0 and 10000, got " + keys);
        }
        if (pageSize < 1 || pageSize > 1000) {
            throw new UsageException("--page-size must be between 1 and 1000, got " + pageSize);
        }
        if (watch != null && (watch < 1 || watch > 86_400)) {
            throw new UsageException("--watch must be between 1 and 86400 seconds, got " + watch);
        }
        if (count != null && (watch == null || count < 1)) {
            throw new UsageException(watch == null ? "--count needs --watch" : "--count must be at least 1, got " + count);
        }
        if (staleAfterMinutes < 1 || staleAfterMinutes > 7 * 24 * 60) {
            throw new UsageException("--stale-after must be between 1 and 10080 minutes, got " + staleAfterMinutes);
        }
        String bucket = connection.bucket(env);
        Env settings = new Env(env);
        Layout layout = Layout.fromEnv(settings);
        // The lister's own settings decide what is stuck; scripts/local runs it with a 5-minute REQUEUE_AFTER.
        Duration requeueFallback = connection.local(env) ? Duration.ofMinutes(5) : Duration.ofMinutes(60);
        StatusSettings statusSettings = new StatusSettings(keys, pageSize, settings.integer("MAX_ATTEMPTS", 5, 1, 1000),
                settings.minutes("REQUEUE_AFTER_MINUTES", requeueFallback, 1, 7 * 24 * 60), Duration.ofMinutes(staleAfterMinutes));
        try (S3Client s3 = connection.s3(env); SqsClient sqs = connection.sqs(env)) {
            Status status = new Status(s3, sqs, bucket, layout, connection.queueUrl(env, sqs), connection.deadLetterQueueUrl(env, sqs),
                    statusSettings, Clock.systemUTC(), label -> Progress.onStderr(label, -1));
            int reports = 0;
            while (true) {
                StatusReport report = status.read();
                show(report, reports == 0);
                reports++;
                if (watch == null || (count != null && reports >= count)) {
                    return report.healthy() ? S3LoaderCommand.OK : S3LoaderCommand.FOUND;
                }
                Thread.sleep(Duration.ofSeconds(watch));
            }
        }
    }

    private void show(StatusReport report, boolean first) {
        if (json) {
            out.println(StatusJson.toJson(report, watch == null));
            out.flush();
            return;
        }
        // Rendered whole first, so a redraw replaces the last report at once rather than clearing it while listing.
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        try (PrintStream p = new PrintStream(text, false, StandardCharsets.UTF_8)) {
            StatusText.print(report, p);
        }
        if (watch != null && terminal) {
            out.print(CLEAR_HOME);
            out.printf("every %ds; Ctrl-C stops%n", watch);
        } else if (watch != null && !first) {
            out.println(); // one report after another in a log, a blank line apart
        }
        out.print(text.toString(StandardCharsets.UTF_8));
        out.flush();
    }
}
