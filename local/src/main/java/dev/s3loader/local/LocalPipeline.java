package dev.s3loader.local;

import dev.s3loader.lister.Backlog;
import dev.s3loader.lister.BacklogPublisher;
import dev.s3loader.lister.ListerService;
import dev.s3loader.lister.ListerWiring;
import dev.s3loader.loader.LoaderWiring;
import dev.s3loader.loader.StepHook;
import dev.s3loader.loader.poller.QueuePoller;
import dev.s3loader.model.ListerConfig;
import dev.s3loader.model.LoaderConfig;
import dev.s3loader.model.PollerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;
import software.amazon.awssdk.services.redshiftdata.RedshiftDataClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The lister on a timer and a fleet of loader pollers, in one process: the production classes,
 * wired to local endpoints, with the metrics going to log files instead of CloudWatch.
 */
public final class LocalPipeline implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(LocalPipeline.class.getName());
    private final ListerService lister;
    private final AtomicReference<Backlog> lastBacklog = new AtomicReference<>();
    private final LoaderWiring loader;
    private final List<QueuePoller> pollers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final ScheduledExecutorService timer;
    private final Writer loaderMetrics;

    /** The clients the pipeline talks through; all point at local servers. */
    public record Clients(S3Client s3, SqsClient sqs, java.util.function.Supplier<RedshiftDataClient> redshiftData) {
    }

    public LocalPipeline(Clients clients, ListerConfig listerConfig, LoaderConfig loaderConfig, PollerConfig pollerConfig,
                         Duration listInterval, Path metricsDir, Clock clock) {
        this(clients, listerConfig, loaderConfig, pollerConfig, listInterval, metricsDir, clock, StepHook.NONE, () -> { });
    }

    /**
     * @param hook sees the loader's step boundaries: a test seam for the fault suite; production passes {@link StepHook#NONE}
     * @param beforeStart runs once, before the lister's first run and the pollers' first receive
     */
    public LocalPipeline(Clients clients, ListerConfig listerConfig, LoaderConfig loaderConfig, PollerConfig pollerConfig,
                         Duration listInterval, Path metricsDir, Clock clock, StepHook hook, Runnable beforeStart) {
        try {
            Files.createDirectories(metricsDir);
            this.loaderMetrics = Files.newBufferedWriter(metricsDir.resolve("loader-metrics.log"), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        BacklogPublisher metricsLog = ListerWiring.metricsLogPublisher(metricsDir.resolve("lister-metrics.log"), clock);
        this.lister = ListerWiring.service(listerConfig, clients.s3(), clients.sqs(), backlog -> {
            lastBacklog.set(backlog);
            metricsLog.publish(backlog);
        }, clock);
        this.loader = new LoaderWiring(loaderConfig, new LoaderWiring.Clients(clients.s3(), clients.redshiftData()),
                this::writeLoaderMetrics, clock, hook);
        for (int i = 0; i < pollerConfig.pollers(); i++) {
            pollers.add(new QueuePoller(clients.sqs(), loader.processor(), pollerConfig.queueUrl(),
                    pollerConfig.eventQueueUrl(), pollerConfig.batchSize(), pollerConfig.visibilityTimeout(),
                    pollerConfig.waitTime(), pollerConfig.batchingWindow(), null, clock));
        }
        beforeStart.run();
        this.timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("s3loader-lister").factory());
        timer.scheduleWithFixedDelay(this::listOnce, 0, listInterval.toMillis(), TimeUnit.MILLISECONDS);
        for (int i = 0; i < pollers.size(); i++) {
            threads.add(Thread.ofPlatform().name("s3loader-poller-" + i).start(pollers.get(i)));
        }
    }

    private void listOnce() {
        try {
            lister.runOnce();
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "lister run failed; trying again next interval", e);
        }
    }

    private synchronized void writeLoaderMetrics(String line) {
        try {
            loaderMetrics.write(line);
            loaderMetrics.write('\n');
            loaderMetrics.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The backlog gauges of the latest lister run, or null before the first. */
    public Backlog lastBacklog() {
        return lastBacklog.get();
    }

    /** Stops listing, lets every poller finish the batch in hand, then releases the loader. */
    @Override
    public void close() {
        timer.shutdown();
        pollers.forEach(QueuePoller::stop);
        try {
            timer.awaitTermination(60, TimeUnit.SECONDS);
            for (Thread t : threads) {
                t.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        loader.close();
        try {
            loaderMetrics.close();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "could not close the loader metrics log", e);
        }
    }
}
