package dev.s3loader.loader;

import dev.s3loader.clients.AwsClients;
import dev.s3loader.clients.logging.JsonLogs;
import dev.s3loader.loader.poller.ContainerWorker;
import dev.s3loader.model.ConfigException;
import dev.s3loader.model.LoaderConfig;
import dev.s3loader.model.PollerConfig;
import dev.s3loader.model.WorkerConfig;
import java.util.Map;
import java.util.logging.Level;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The loader as a long-lived process: the container image's entry point (an ECS Fargate task) for
 * loads longer than Lambda's 15 minutes. Every setting is read and checked before anything starts;
 * a bad one stops it with a message naming it (exit status 2). SIGTERM (ECS stopping the task)
 * runs {@link ContainerWorker#shutdown()}: no new batch, the batch in hand finishes within
 * WORKER_STOP_GRACE_SECONDS or goes back to the queue.
 *
 * <p>The AWS clients take their endpoints from the SDK's standard variables (AWS_ENDPOINT_URL,
 * AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_SQS), unset on AWS; the image's check runs it against the
 * local servers that way.
 */
public final class LoaderMain {
    private LoaderMain() {
    }

    private static final String LOGGER = LoaderMain.class.getName();

    public static void main(String[] args) throws InterruptedException {
        JsonLogs.install();
        Map<String, String> env = System.getenv();
        if (args.length > 0) {
            System.exit(command(args, env));
            return;
        }
        LoaderConfig config;
        PollerConfig poller;
        WorkerConfig worker;
        try {
            config = LoaderConfig.fromEnv(env);
            poller = PollerConfig.fromEnv(env);
            worker = WorkerConfig.fromEnv(env);
        } catch (ConfigException e) {
            JsonLogs.print(Level.SEVERE, LOGGER, "s3loader loader: " + e.getMessage());
            System.exit(2);
            return;
        }
        LoaderWiring loader = LoaderWiring.onAws(config);
        try {
            loader.checkStore();
        } catch (StoreRefusedException e) {
            System.err.println("s3loader loader: " + e.getMessage());
            System.exit(2);
            return;
        }
        var sqs = AwsClients.configure(SqsClient.builder(), AwsClients.http()).build();
        ContainerWorker workers = new ContainerWorker(sqs, loader.processor(), poller, worker);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("s3loader-shutdown").unstarted(() -> {
            // Printed, not logged: java.util.logging closes its handlers in a shutdown hook of its own.
            JsonLogs.print(Level.INFO, LOGGER, "s3loader loader: SIGTERM: no new batches; the batches in hand have "
                    + worker.stopGrace().toSeconds() + " s to finish");
            try {
                JsonLogs.print(Level.INFO, LOGGER, workers.shutdown() ? "s3loader loader: stopped: every batch in hand finished"
                        : "s3loader loader: stopped: the stop grace ran out; the batches in hand went back to the queue");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            loader.close();
        }));
        JsonLogs.print(Level.INFO, LOGGER, String.format("s3loader loader: %d poller(s) on %s, %s into %s, batches of up to %d,"
                        + " batch deadline %d s, stop grace %d s", poller.pollers(), poller.queueUrl(), config.bucket(),
                config.destination().name().toLowerCase(java.util.Locale.ROOT), poller.batchSize(),
                worker.batchDeadline().toSeconds(), worker.stopGrace().toSeconds()));
        workers.start();
        workers.awaitTermination();
    }

    /**
     * {@code LoaderMain preflight}: the checks the Lambda loader answers a preflight request with,
     * from this task's role and network, without touching the queue; prints the answer's JSON on
     * one line (what {@code s3loader check} reads) and exits 0 when every item holds, 1 when one
     * does not, 2 on a bad setting or argument.
     */
    static int command(String[] args, Map<String, String> env) {
        if (!(args.length == 1 && args[0].equals("preflight"))) {
            System.err.println("s3loader loader: unknown arguments " + String.join(" ", args) + " (the only command is: preflight)");
            return 2;
        }
        LoaderConfig config;
        try {
            config = LoaderConfig.fromEnv(env);
        } catch (ConfigException e) {
            System.err.println("s3loader loader: " + e.getMessage());
            return 2;
        }
        try (LoaderWiring loader = LoaderWiring.onAws(config)) {
            var items = loader.preflight().run();
            System.out.println(dev.s3loader.model.PreflightAnswer.toJson(items));
            return items.stream().allMatch(dev.s3loader.model.CheckItem::ok) ? 0 : 1;
        }
    }
}
