package dev.s3loader.local;

import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * scripts/local's log lines, for a person watching a terminal: one line per event, the exception's
 * causes on that line ("… goes back to the queue: Connection to 127.0.0.1:15432 refused"), and the
 * stack trace only with --verbose (or when the logger's level is FINE or finer), where a developer
 * wants it. A database outage retried every few seconds is then a line per retry, not a screenful.
 */
final class LocalLogFormat extends Formatter {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());
    private final boolean stacks;

    LocalLogFormat(boolean stacks) {
        this.stacks = stacks;
    }

    /** Puts this format on the root logger's console handler; {@code verbose} logs FINE and shows stack traces. */
    static void install(boolean verbose) {
        Logger root = Logger.getLogger("");
        Handler console = null;
        for (Handler h : root.getHandlers()) {
            if (h instanceof ConsoleHandler) {
                console = h;
            }
        }
        if (console == null) {
            console = new ConsoleHandler();
            root.addHandler(console);
        }
        console.setFormatter(new LocalLogFormat(verbose || Logger.getLogger("dev.s3loader").isLoggable(Level.FINE)));
        if (verbose) {
            Logger.getLogger("dev.s3loader").setLevel(Level.FINE);
            console.setLevel(Level.FINE);
        }
    }

    @Override
    public String format(LogRecord r) {
        StringBuilder b = new StringBuilder();
        b.append(TIME.format(r.getInstant())).append(' ').append(r.getLevel().getName()).append(' ')
                .append(shortName(r.getLoggerName())).append(": ").append(formatMessage(r));
        Throwable t = r.getThrown();
        if (t != null) {
            b.append(": ").append(causes(t));
        }
        b.append(System.lineSeparator());
        if (t != null && stacks) {
            java.io.StringWriter w = new java.io.StringWriter();
            t.printStackTrace(new java.io.PrintWriter(w));
            b.append(w);
        }
        return b.toString();
    }

    /** Each distinct message down the cause chain, on one line. */
    static String causes(Throwable t) {
        Set<String> parts = new LinkedHashSet<>();
        for (Throwable c = t; c != null && parts.size() < 5; c = c.getCause() == c ? null : c.getCause()) {
            String m = c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage().replaceAll("\\s+", " ").strip();
            if (parts.stream().noneMatch(p -> p.contains(m))) {
                parts.add(m);
            }
        }
        return String.join(": ", parts);
    }

    private static String shortName(String logger) {
        return logger == null ? "" : logger.substring(logger.lastIndexOf('.') + 1);
    }
}
