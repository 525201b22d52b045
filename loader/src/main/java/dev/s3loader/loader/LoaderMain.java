package dev.s3loader.loader;

import dev.s3loader.clients.AwsClients;
import dev.s3loader.loader.poller.ContainerWorker;
import dev.s3loader.model.ConfigException;
import dev.s3loader.model.LoaderConfig;
import dev.s3loader.model.PollerConfig;
import dev.s3loader.model.WorkerConfig;
import java.util.Map;
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

    public static void main(String[] args) throws InterruptedException {
        Map<String, String> env = System.getenv();
        LoaderConfig config;
        PollerConfig poller;
        WorkerConfig worker;
        try {
            config = LoaderConfig.fromEnv(env);
            poller = PollerConfig.fromEnv(env);
            worker = WorkerConfig.fromEnv(env);
        } catch (ConfigException e) {
            System.err.println("s3loader loader: " + e.getMessage());
            System.exit(2);
            return;
        }
        Loader loader = Loader.onAws(config);
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
            System.err.println("s3loader loader: SIGTERM: no new batches; the batches in hand have "
                    + worker.stopGrace().toSeconds() + " s to finish");
            try {
                System.err.println(workers.shutdown() ? "s3loader loader: stopped: every batch in hand finished"
                        : "s3loader loader: stopped: the stop grace ran out; the batches in hand went back to the queue");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            loader.close();
        }));
        System.err.printf("s3loader loader: %d poller(s) on %s, %s into %s, batches of up to %d, batch deadline %d s,"
                        + " stop grace %d s%n", poller.pollers(), poller.queueUrl(), config.bucket(),
                config.destination().name().toLowerCase(java.util.Locale.ROOT), poller.batchSize(),
                worker.batchDeadline().toSeconds(), worker.stopGrace().toSeconds());
        workers.start();
        workers.awaitTermination();
    }
}
