package dev.s3loader.ops;

import dev.s3loader.loader.destination.LedgerReadException;
import dev.s3loader.model.ConfigException;
import dev.s3loader.ops.audit.AuditException;
import dev.s3loader.ops.repair.RepairException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code s3loader}, the operator's command: one verb per task. Exit status: 0 all is well, 1 the
 * check found a problem (audit: an invariant does not hold), 2 bad arguments or settings (one
 * line says which), 3 the command could not finish (unreachable, access denied, unreadable data).
 */
@Command(name = "s3loader", mixinStandardHelpOptions = true, version = "s3loader 0.1.0",
        description = "Operates an s3loader pipeline on AWS or against scripts/local.",
        subcommands = {StatusCommand.class, CheckCommand.class, RequeueCommand.class, UnstickCommand.class, RedriveCommand.class, AuditCommand.class})
public final class S3LoaderCommand implements Runnable {
    public static final int OK = 0;
    public static final int FOUND = 1;
    public static final int USAGE = 2;
    public static final int FAILED = 3;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args, System.getenv(), System.out, System.err));
    }

    /** Runs one command line with the given environment; returns the exit status. */
    public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        CommandLine cl = new CommandLine(new S3LoaderCommand(), new Factory(env, out));
        cl.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cl.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        cl.setParameterExceptionHandler((e, a) -> {
            String verb = e.getCommandLine().getCommandName();
            String name = "s3loader".equals(verb) ? "s3loader" : "s3loader " + verb;
            if ("s3loader".equals(verb) && e instanceof CommandLine.UnmatchedArgumentException u && !u.getUnmatched().isEmpty()
                    && !u.getUnmatched().get(0).startsWith("-")) {
                err.println(name + ": unknown command '" + u.getUnmatched().get(0) + "'; the commands are "
                        + String.join(", ", cl.getSubcommands().keySet()) + " (see s3loader --help)");
                return USAGE;
            }
            err.println(name + ": " + e.getMessage() + " (see " + name + " --help)");
            return USAGE;
        });
        cl.setExecutionExceptionHandler((e, c, parsed) -> {
            String name = "s3loader".equals(c.getCommandName()) ? "s3loader" : "s3loader " + c.getCommandName();
            if (e instanceof UsageException || e instanceof ConfigException) {
                err.println(name + ": " + e.getMessage());
                return USAGE;
            }
            ConnectionOptions connection = c.getMixins().get("connection") instanceof ConnectionOptions k ? k : null;
            if (e instanceof AuditException || e instanceof LedgerReadException || e instanceof RepairException) {
                err.println(name + ": " + ErrorLine.known(e.getCause(), connection, env).orElse(e.getMessage()));
                return FAILED;
            }
            err.println(name + ": " + ErrorLine.of(e, connection, env));
            return FAILED;
        });
        return cl.execute(args);
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a command: status, check, requeue, unstick, redrive, audit");
    }

    /** Gives each verb the environment and output it runs with (tests pass their own). */
    private record Factory(Map<String, String> env, PrintStream out) implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> type) throws Exception {
            if (type == StatusCommand.class) {
                return type.cast(new StatusCommand(env, out, out == System.out && System.console() != null));
            }
            // Every other verb takes the environment and the output it runs with.
            try {
                var verb = type.getDeclaredConstructor(Map.class, PrintStream.class);
                return verb.newInstance(env, out);
            } catch (NoSuchMethodException e) {
                return CommandLine.defaultFactory().create(type);
            }
        }
    }
}
