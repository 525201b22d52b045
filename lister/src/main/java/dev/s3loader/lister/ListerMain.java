package dev.s3loader.lister;

import dev.s3loader.clients.logging.JsonLogs;
import dev.s3loader.model.ConfigException;
import dev.s3loader.model.ListerConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The lister as a plain process: the same run as the Lambda, every LIST_INTERVAL_SECONDS
 * (default 60), until SIGTERM, which lets the run in hand finish and save its state.
 */
public final class ListerMain {
    private static final Logger LOG = Logger.getLogger(ListerMain.class.getName());

    private ListerMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        JsonLogs.install();
        ListerConfig config;
        Duration interval;
        try {
            config = ListerConfig.fromEnv(System.getenv());
            interval = new dev.s3loader.model.Env(System.getenv())
                    .seconds("LIST_INTERVAL_SECONDS", Duration.ofSeconds(60), 1, 3600);
        } catch (ConfigException e) {
            JsonLogs.print(Level.SEVERE, ListerMain.class.getName(), "s3loader lister: " + e.getMessage());
            System.exit(2);
            return;
        }
        ListerService service = ListerWiring.onAws(config, Clock.systemUTC());
        CountDownLatch stopRequested = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopRequested.countDown();
            try {
                stopped.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        try {
            do {
                try {
                    // A run lists for at most the interval; a larger backlog is listed over several runs.
                    service.runOnce(interval.compareTo(Duration.ofMinutes(1)) < 0 ? Duration.ofMinutes(1) : interval);
                } catch (RuntimeException e) {
                    LOG.log(Level.SEVERE, "lister run failed; trying again next interval", e);
                }
            } while (!stopRequested.await(interval.toMillis(), TimeUnit.MILLISECONDS));
            LOG.info("lister stopped");
        } finally {
            stopped.countDown();
        }
    }
}
