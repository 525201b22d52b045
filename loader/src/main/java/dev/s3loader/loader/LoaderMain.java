package dev.s3loader.loader;

import dev.s3loader.clients.AwsClients;
import dev.s3loader.loader.poller.QueuePoller;
import dev.s3loader.model.ConfigException;
import dev.s3loader.model.LoaderConfig;
import dev.s3loader.model.PollerConfig;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The loader as a long-lived process (a container task): POLLERS pollers share one loader.
 * SIGTERM stops them taking new batches and waits for the batches in hand.
 */
public final class LoaderMain {
    private LoaderMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        LoaderConfig config;
        PollerConfig poller;
        try {
            config = LoaderConfig.fromEnv(System.getenv());
            poller = PollerConfig.fromEnv(System.getenv());
        } catch (ConfigException e) {
            System.err.println("s3loader loader: " + e.getMessage());
            System.exit(2);
            return;
        }
        Loader loader = Loader.onAws(config);
        var sqs = AwsClients.configure(SqsClient.builder(), AwsClients.http()).build();
        List<QueuePoller> pollers = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < poller.pollers(); i++) {
            QueuePoller p = new QueuePoller(sqs, loader.processor(), poller.queueUrl(), poller.batchSize(),
                    poller.visibilityTimeout(), poller.waitTime(), poller.batchingWindow());
            pollers.add(p);
            threads.add(Thread.ofPlatform().name("s3loader-poller-" + i).start(p));
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            pollers.forEach(QueuePoller::stop);
            for (Thread t : threads) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            loader.close();
        }));
        for (Thread t : threads) {
            t.join();
        }
    }
}
