package dev.s3loader.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.s3loader.ops.text.Printable;
import dev.s3loader.ops.repair.Redrive;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.sqs.SqsClient;

/** {@code s3loader redrive}: moves the dead-letter queue's messages back to the load queue. */
@Command(name = "redrive", mixinStandardHelpOptions = true,
        description = {"Moves the dead-letter queue's messages back to the load queue.",
                "Once the cause that sent them there (a database outage, throttling) is gone. By default SQS's own redrive "
                        + "(StartMessageMoveTask); --method receive moves them by receive, send, delete instead. A duplicate "
                        + "is harmless: the loader loads each file exactly once. Without --yes it only says what it would do.",
                "Exit status: 0 done (or dry run), 1 some messages were not moved, 2 bad arguments, 3 it could not finish.", ""})
final class RedriveCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Map<String, String> env;
    private final PrintStream out;

    @Mixin
    ConnectionOptions connection = new ConnectionOptions();

    @Mixin
    ChangeOptions change = new ChangeOptions();

    @Option(names = "--method", paramLabel = "HOW", defaultValue = "move-task",
            description = "move-task (SQS StartMessageMoveTask) or receive (receive, send, then delete) (default: ${DEFAULT-VALUE})")
    String method;

    @Option(names = "--sample", paramLabel = "N", defaultValue = "10", description = "keys shown, at most 10 (default: ${DEFAULT-VALUE})")
    int sample;

    RedriveCommand(Map<String, String> env, PrintStream out) {
        this.env = env;
        this.out = out;
    }

    @Override
    public Integer call() {
        Redrive.Method how = switch (method.toLowerCase(Locale.ROOT)) {
            case "move-task" -> Redrive.Method.MOVE_TASK;
            case "receive" -> Redrive.Method.RECEIVE;
            default -> throw new UsageException("--method must be move-task or receive, got '" + method + "'");
        };
        if (sample < 0 || sample > 10) {
            throw new UsageException("--sample must be between 0 and 10, got " + sample);
        }
        try (SqsClient sqs = connection.sqs(env)) {
            String queue = connection.queueUrl(env, sqs);
            String deadLetters = connection.deadLetterQueueUrl(env, sqs);
            Redrive redrive = new Redrive(sqs, queue, deadLetters, Duration.ofSeconds(1));
            Redrive.Plan plan = redrive.plan(sample);

            ObjectNode j = JSON.createObjectNode();
            j.put("verb", "redrive").put("dryRun", !change.yes).put("from", deadLetters).put("to", queue)
                    .put("method", how == Redrive.Method.MOVE_TASK ? "move-task" : "receive")
                    .put("messages", plan.messages()).put("inFlight", plan.inFlight());
            ArrayNode keys = j.putArray("sample");
            plan.sampleKeys().forEach(keys::add);
            if (!change.json) {
                out.println("redrive: " + Confirm.plural(plan.messages(), "message", "messages") + " in the dead-letter queue "
                        + deadLetters + (plan.inFlight() > 0 ? " (and " + plan.inFlight() + " being received now)" : "")
                        + " go back to " + queue);
                plan.sampleKeys().forEach(k -> out.println("  " + Printable.key(k)));
                if (plan.messages() > plan.sampleKeys().size()) {
                    out.println("  … and about " + (plan.messages() - plan.sampleKeys().size()) + " more");
                }
            }
            if (!change.yes || plan.messages() + plan.inFlight() == 0) {
                return finish(j, plan.messages() + plan.inFlight() == 0 ? "nothing to redrive" : Confirm.DRY_RUN, 0);
            }
            Redrive.Result r;
            try (Progress progress = Progress.onStderr("redrive", plan.messages())) {
                r = redrive.move(how, progress);
            }
            j.put("moved", r.moved()).put("notMoved", r.left());
            r.taskHandle().ifPresent(h -> j.put("taskHandle", h));
            if (!change.json) {
                out.println("moved " + r.moved() + (r.left() > 0 ? "; " + r.left() + " not moved (sending failed; they stay"
                        + " in the dead-letter queue: run again)" : "") + r.taskHandle().map(h -> " (move task " + h + ")").orElse(""));
            }
            return finish(j, null, r.left() > 0 ? S3LoaderCommand.FOUND : S3LoaderCommand.OK);
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
