package dev.s3loader.clients.logging;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.logging.ConsoleHandler;
import java.util.logging.ErrorManager;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The one logging setup of every s3loader process on AWS (the lister and loader Lambdas, the
 * container worker): java.util.logging's root handlers are replaced by one that writes each record
 * as one {@link JsonLogFormatter} line to standard output. Lambda (with {@code LogFormat: JSON})
 * and the ECS awslogs driver store each line as one log event, and the EMF metric lines written
 * beside them to the same stream stay JSON objects of their own.
 *
 * <p>Standard output is looked up at every record, not kept: Lambda's runtime client replaces
 * {@code System.out} before the handler class loads, and a test may replace it too. The level is
 * Lambda's application log level ({@code AWS_LAMBDA_LOG_LEVEL}, set from the function's
 * {@code ApplicationLogLevel}) when there is one, else INFO, so a record Lambda would drop is not
 * even formatted. Installing twice changes nothing.
 */
public final class JsonLogs {
    private JsonLogs() {
    }

    /** Installs the JSON handler on the root logger (once), writing to the current System.out. */
    public static void install() {
        install(System.getenv(), () -> System.out);
    }

    static synchronized void install(Map<String, String> env, Supplier<PrintStream> out) {
        Logger root = LogManager.getLogManager().getLogger("");
        Handler[] handlers = root.getHandlers();
        if (Arrays.stream(handlers).anyMatch(h -> h instanceof LineHandler)) {
            return;
        }
        // Only the JDK's default console handler (two lines a record, on stderr) goes; a handler
        // someone added on purpose (a test's capture) stays.
        for (Handler h : handlers) {
            if (h instanceof ConsoleHandler) {
                root.removeHandler(h);
            }
        }
        Level level = level(env.get("AWS_LAMBDA_LOG_LEVEL"));
        LineHandler handler = new LineHandler(out);
        handler.setLevel(level);
        root.setLevel(level);
        root.addHandler(handler);
    }

    /** Logs one structured record: {@code message} for people, {@code fields} for queries. */
    public static void event(Logger logger, Level level, String message, LogFields fields) {
        event(logger, level, message, fields, null);
    }

    public static void event(Logger logger, Level level, String message, LogFields fields, Throwable thrown) {
        if (!logger.isLoggable(level)) {
            return;
        }
        LogRecord r = new LogRecord(level, message);
        r.setLoggerName(logger.getName());
        r.setParameters(new Object[] {fields});
        r.setThrown(thrown);
        logger.log(r);
    }

    /**
     * Prints one line of the same shape without a logger: for shutdown hooks, which run while
     * java.util.logging closes its handlers in a hook of its own, and for a refused start.
     */
    public static void print(Level level, String logger, String message) {
        PrintStream out = System.out;
        out.print(JsonLogFormatter.line(level, logger, message, null));
        out.flush();
    }

    /** Lambda's level names (TRACE … FATAL) to java.util.logging's; unset or unknown is INFO. */
    static Level level(String lambdaLevel) {
        if (lambdaLevel == null) {
            return Level.INFO;
        }
        return switch (lambdaLevel.trim().toUpperCase(Locale.ROOT)) {
            case "TRACE" -> Level.FINEST;
            case "DEBUG" -> Level.FINE;
            case "WARN" -> Level.WARNING;
            case "ERROR", "FATAL" -> Level.SEVERE;
            default -> Level.INFO;
        };
    }

    /** One line per record, written whole in one call, so lines of parallel threads never interleave. */
    private static final class LineHandler extends Handler {
        private final Supplier<PrintStream> out;

        LineHandler(Supplier<PrintStream> out) {
            this.out = out;
            setFormatter(new JsonLogFormatter());
        }

        @Override
        public void publish(LogRecord record) {
            if (!isLoggable(record)) {
                return;
            }
            String line;
            try {
                line = getFormatter().format(record);
            } catch (RuntimeException e) {
                reportError("log record not formatted", e, ErrorManager.FORMAT_FAILURE);
                return;
            }
            synchronized (this) {
                PrintStream s = out.get();
                s.print(line);
                s.flush();
            }
        }

        @Override
        public void flush() {
            out.get().flush();
        }

        @Override
        public void close() {
            // System.out is not ours to close.
        }
    }
}
