package dev.s3loader.loader.poller;

import dev.s3loader.clients.logging.JsonLogs;
import dev.s3loader.loader.BatchProcessor;
import dev.s3loader.model.PollerConfig;
import dev.s3loader.model.WorkerConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The loader in a container task (ECS Fargate): POLLERS pollers on the queue, each batch with the
 * worker's deadline rather than Lambda's 15 minutes, kept hidden by the pollers' heartbeat while it
 * loads. {@link #shutdown()} is what SIGTERM runs: take nothing new, let the batches in hand finish
 * within the stop grace, and hand back the ones that do not, so another worker (or the Lambda)
 * picks them up at once instead of after the visibility timeout.
 */
public final class ContainerWorker {
    private static final Logger LOG = Logger.getLogger(ContainerWorker.class.getName());
    private final List<QueuePoller> pollers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final WorkerConfig worker;

    public ContainerWorker(SqsClient sqs, BatchProcessor processor, PollerConfig poller, WorkerConfig worker) {
        JsonLogs.install();
        this.worker = worker;
        for (int i = 0; i < poller.pollers(); i++) {
            pollers.add(new QueuePoller(sqs, processor, poller.queueUrl(), poller.eventQueueUrl(), poller.batchSize(),
                    poller.visibilityTimeout(), poller.waitTime(), poller.batchingWindow(), worker.batchDeadline(),
                    Clock.systemUTC()));
        }
    }

    public void start() {
        for (int i = 0; i < pollers.size(); i++) {
            threads.add(Thread.ofPlatform().name("s3loader-poller-" + i).start(pollers.get(i)));
        }
    }

    public boolean stopping() {
        return pollers.stream().allMatch(QueuePoller::stopping);
    }

    /** Waits until every poller has ended on its own (the process then exits). */
    public void awaitTermination() throws InterruptedException {
        for (Thread t : threads) {
            t.join();
        }
    }

    /**
     * Stops taking batches and waits up to the stop grace for those in hand; what is still loading
     * then goes back to the queue. True when every batch finished.
     */
    public boolean shutdown() throws InterruptedException {
        pollers.forEach(QueuePoller::stop);
        LOG.info("stopping: no new batches; the batches in hand have " + worker.stopGrace().toSeconds() + " s to finish");
        long graceEnds = System.nanoTime() + worker.stopGrace().toNanos();
        boolean finished = true;
        int handedBack = 0;
        for (QueuePoller p : pollers) {
            Duration left = Duration.ofNanos(Math.max(0, graceEnds - System.nanoTime()));
            if (!p.awaitStopped(left)) {
                finished = false;
                handedBack += p.handBack();
            }
        }
        LOG.info(finished ? "stopped: every batch in hand finished"
                : "stopped: the stop grace ran out; " + handedBack + " message(s) handed back to the queue");
        return finished;
    }
}
