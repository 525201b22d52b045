package dev.s3loader.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.s3loader.lister.StuckRule;
import dev.s3loader.model.Env;
import dev.s3loader.model.Layout;
import dev.s3loader.ops.text.Printable;
import dev.s3loader.ops.repair.ListerStateEditor;
import dev.s3loader.ops.repair.Unstick;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * {@code s3loader unstick}: resets the attempts of stuck files, so that the next lister run
 * dispatches them again. Stuck is the lister's own rule; MAX_ATTEMPTS and REQUEUE_AFTER_MINUTES
 * are read as the lister reads them (or given as options).
 */
@Command(name = "unstick", mixinStandardHelpOptions = true,
        description = {"Resets stuck files' attempts: the lister dispatches them again.",
                "Stuck: a file version dispatched MAX_ATTEMPTS times, the last at least REQUEUE_AFTER_MINUTES ago, which "
                        + "the lister then leaves alone. Fix the cause first (the dead-letter queue, the loader's logs). "
                        + "Without --yes it only says what it would do.",
                "Exit status: 0 done (or dry run), 1 a named key is unknown or not stuck, 2 bad arguments, 3 it could not finish.", ""})
final class UnstickCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Map<String, String> env;
    private final PrintStream out;

    @Mixin
    ConnectionOptions connection = new ConnectionOptions();

    @Parameters(paramLabel = "KEY", arity = "0..*",
            description = "the stuck files' keys, as status shows them (incoming/…) or relative to incoming/")
    List<String> keys = new ArrayList<>();

    @Option(names = "--all", description = "every stuck file")
    boolean all;

    @Mixin
    ChangeOptions change = new ChangeOptions();

    @Option(names = "--max-attempts", paramLabel = "N", description = "the lister's MAX_ATTEMPTS (default: $MAX_ATTEMPTS, else 5)")
    Integer maxAttempts;

    @Option(names = "--requeue-after-minutes", paramLabel = "M",
            description = "the lister's REQUEUE_AFTER_MINUTES (default: $REQUEUE_AFTER_MINUTES, else 60; 5 with --local)")
    Integer requeueAfterMinutes;

    UnstickCommand(Map<String, String> env, PrintStream out) {
        this.env = env;
        this.out = out;
    }

    @Override
    public Integer call() {
        if (keys.isEmpty() && !all) {
            throw new UsageException("name the stuck keys to reset, or --all");
        }
        if (!keys.isEmpty() && all) {
            throw new UsageException("give either keys or --all, not both");
        }
        Map<String, String> lister = new java.util.HashMap<>(env);
        if (maxAttempts != null) {
            lister.put("MAX_ATTEMPTS", String.valueOf(maxAttempts));
        }
        if (requeueAfterMinutes != null) {
            lister.put("REQUEUE_AFTER_MINUTES", String.valueOf(requeueAfterMinutes));
        }
        Env settings = new Env(lister);
        int attempts = settings.integer("MAX_ATTEMPTS", 5, 1, 1000);
        Duration requeueAfter = settings.minutes("REQUEUE_AFTER_MINUTES",
                connection.local(env) ? Duration.ofMinutes(5) : Duration.ofMinutes(60), 1, 7 * 24 * 60);
        String bucket = connection.bucket(env);
        Layout layout = Layout.fromEnv(new Env(env));
        // maxInFlight plays no part in the stuck rule.
        StuckRule rule = new StuckRule(requeueAfter, attempts);

        try (S3Client s3 = connection.s3(env)) {
            ListerStateEditor state = new ListerStateEditor(s3, bucket, layout.listerStateKey(), 10);
            Unstick unstick = new Unstick(s3, bucket, layout, state, rule, Clock.systemUTC());
            Unstick.Plan plan = Repairs.readable(bucket, () -> all ? unstick.planAll() : unstick.plan(keys));

            ObjectNode j = JSON.createObjectNode();
            j.put("verb", "unstick").put("dryRun", !change.yes).put("bucket", bucket).put("maxAttempts", attempts)
                    .put("requeueAfterMinutes", requeueAfter.toMinutes()).put("stuck", plan.stuck().size());
            ArrayNode stuck = j.putArray("keys");
            plan.stuck().forEach(e -> stuck.addObject().put("key", e.key()).put("etag", e.inFlight().etag())
                    .put("attempts", e.inFlight().attempts()).put("lastDispatched", e.inFlight().enqueuedAt().toString()));
            ArrayNode others = j.putArray("notStuck");
            plan.others().forEach(e -> others.addObject().put("key", e.key()).put("attempts", e.inFlight().attempts())
                    .put("why", e.kind().why));
            ArrayNode unknown = j.putArray("unknown");
            plan.unknown().forEach(unknown::add);
            if (!change.json) {
                out.println("unstick: " + plan.stuck().size() + " stuck (" + Confirm.plural(attempts, "dispatch", "dispatches") + ", the last "
                        + requeueAfter.toMinutes() + " min or more ago) in s3://" + bucket + "/" + layout.listerStateKey());
                plan.stuck().forEach(e -> out.println("  " + Printable.key(e.key()) + "  "
                        + Confirm.plural(e.inFlight().attempts(), "dispatch", "dispatches") + ", the last at " + e.inFlight().enqueuedAt()));
                plan.others().forEach(e -> out.println("  " + Printable.key(e.key()) + "  " + e.kind().why + "; left alone"));
                plan.unknown().forEach(k -> out.println("  " + Printable.key(k) + "  unknown: not in the lister's state"));
            }
            int status = plan.others().isEmpty() && plan.unknown().isEmpty() ? S3LoaderCommand.OK : S3LoaderCommand.FOUND;
            if (!change.yes || plan.stuck().isEmpty()) {
                return finish(j, plan.stuck().isEmpty() ? "nothing to reset" : Confirm.DRY_RUN, status);
            }
            List<Unstick.Entry> removed = unstick.apply(plan);
            j.put("reset", removed.size());
            if (!change.json) {
                out.println("reset " + removed.size() + ": the next lister run dispatches "
                        + (removed.size() == 1 ? "it" : "them") + " again"
                        + (removed.size() < plan.stuck().size() ? " (" + (plan.stuck().size() - removed.size())
                        + " changed by a lister run meanwhile and left to it)" : ""));
            }
            return finish(j, null, status);
        }
    }

    private int finish(ObjectNode j, String line, int status) {
        if (change.json) {
            out.println(j.toString());
        } else if (line != null) {
            out.println(line);
        }
        out.flush();
        return status;
    }
}
