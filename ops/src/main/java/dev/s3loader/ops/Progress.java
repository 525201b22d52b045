package dev.s3loader.ops;

import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The progress line of a verb's long work, on standard error so that standard output (the report,
 * the JSON) stays clean. On a terminal it redraws one line in place ({@code \r}) at most five times
 * a second; elsewhere (a CI log, a pipe) it prints a whole line every ten seconds, so logs stay short.
 * Thread-safe: workers call {@link #advance} concurrently.
 */
public final class Progress implements AutoCloseable {
    private static final int BAR = 24;
    private final PrintStream err;
    private final String label;
    private final long total;
    private final boolean inPlace;
    private final Duration every;
    private final Clock clock;
    private final Instant started;
    private final AtomicLong done = new AtomicLong();
    private Instant lastDrawn;
    private boolean drawn;

    /**
     * @param total the units the work has, or -1 when unknown (a listing): then a count and a rate, no bar
     * @param inPlace redraw one line (a terminal) rather than print lines (a log)
     */
    public Progress(PrintStream err, String label, long total, boolean inPlace, Clock clock) {
        this.err = err;
        this.label = label;
        this.total = total;
        this.inPlace = inPlace;
        this.every = inPlace ? Duration.ofMillis(200) : Duration.ofSeconds(10);
        this.clock = clock;
        this.started = clock.instant();
        this.lastDrawn = started;
    }

    /** A progress line on System.err that redraws in place when the process has a terminal. */
    public static Progress onStderr(String label, long total) {
        return new Progress(System.err, label, total, System.console() != null, Clock.systemUTC());
    }

    /** Draws nothing: for --quiet and for tests that read standard error. */
    public static Progress silent() {
        return new Progress(new PrintStream(PrintStream.nullOutputStream()), "", -1, false, Clock.systemUTC());
    }

    public void advance(long units) {
        long now = done.addAndGet(units);
        Instant t = clock.instant();
        synchronized (this) {
            if (Duration.between(lastDrawn, t).compareTo(every) >= 0) {
                lastDrawn = t;
                draw(now, t);
            }
        }
    }

    public long done() {
        return done.get();
    }

    /** Draws the final figures and ends the line. */
    @Override
    public synchronized void close() {
        if (drawn || Duration.between(started, clock.instant()).compareTo(every) >= 0) {
            draw(done.get(), clock.instant());
            if (inPlace) {
                err.println();
            }
        }
        err.flush();
    }

    private void draw(long now, Instant t) {
        drawn = true;
        double seconds = Math.max(0.001, Duration.between(started, t).toMillis() / 1000.0);
        StringBuilder line = new StringBuilder(label).append(' ');
        if (total > 0) {
            int filled = (int) Math.min(BAR, now * BAR / total);
            line.append('[').append("#".repeat(filled)).append(" ".repeat(BAR - filled)).append("] ")
                    .append(now).append('/').append(total);
        } else {
            line.append(now);
        }
        line.append(String.format(Locale.ROOT, " (%.0f/s, %.0f s)", now / seconds, seconds));
        if (inPlace) {
            err.print("\r" + line + "\u001b[K");
        } else {
            err.println(line);
        }
        err.flush();
    }
}
