package dev.s3loader.local;

import dev.s3loader.embedded.EmbeddedS3;
import dev.s3loader.embedded.EmbeddedSqs;
import dev.s3loader.model.ListerConfig;
import dev.s3loader.model.LoaderConfig;
import dev.s3loader.model.PollerConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Starts an S3 server and an SQS server on loopback, creates the bucket and the queue with its
 * dead-letter queue, and runs the pipeline against them. The lister, loader and poller read the
 * same variables as on AWS; this class only fills in the local endpoints and names.
 */
public final class LocalRuntime implements AutoCloseable {
    private final EmbeddedS3 s3Server;
    private final EmbeddedSqs sqsServer;
    private final S3Client s3;
    private final SqsClient sqs;
    private final EmbeddedSqs.Queues queues;
    private final String bucket;
    private final LocalPipeline pipeline;
    private final LoaderConfig loaderConfig;

    /**
     * @param dataDir   where S3 keeps its objects (they survive a restart); null keeps them in memory
     * @param overrides variables on top of the defaults (BATCH_SIZE, POLLERS, DESTINATION, …)
     */
    public LocalRuntime(Path dataDir, int s3Port, int sqsPort, String bucket, Map<String, String> overrides,
                        Duration listInterval, Path metricsDir) {
        this.bucket = bucket;
        this.s3Server = dataDir == null ? EmbeddedS3.inMemory(s3Port) : EmbeddedS3.onDisk(dataDir.resolve("s3"), s3Port);
        this.sqsServer = EmbeddedSqs.start(sqsPort);
        s3Server.createBucket(bucket);
        this.s3 = s3Server.newClient();
        this.sqs = sqsServer.newClient();
        Map<String, String> env = new HashMap<>(Map.of(
                "BUCKET", bucket,
                "WAIT_TIME_SECONDS", "1",
                "VISIBILITY_TIMEOUT_SECONDS", "60",
                "REQUEUE_AFTER_MINUTES", "5",
                "POLLERS", "4"));
        env.putAll(overrides);
        LoaderConfig loader = LoaderConfig.fromEnv(env);
        this.queues = sqsServer.createQueueWithDeadLetterQueue("s3loader", loader.maxReceiveCount(),
                new dev.s3loader.model.Env(env).seconds("VISIBILITY_TIMEOUT_SECONDS", Duration.ofSeconds(60), 10, 43_200));
        env.put("QUEUE_URL", queues.queueUrl());
        ListerConfig lister = ListerConfig.fromEnv(env);
        // The queue is new on every start, so nothing recorded as in flight is really in it any more.
        s3.deleteObject(b -> b.bucket(bucket).key(lister.layout().listerStateKey()));
        this.loaderConfig = loader;
        this.pipeline = new LocalPipeline(new LocalPipeline.Clients(s3, sqs, () -> {
            throw new IllegalStateException("no local Redshift Data API in this runtime");
        }), lister, loader, PollerConfig.fromEnv(env), listInterval, metricsDir, Clock.systemUTC());
    }

    public S3Client s3() {
        return s3;
    }

    public SqsClient sqs() {
        return sqs;
    }

    public String bucket() {
        return bucket;
    }

    public EmbeddedS3 s3Server() {
        return s3Server;
    }

    public EmbeddedSqs sqsServer() {
        return sqsServer;
    }

    public EmbeddedSqs.Queues queues() {
        return queues;
    }

    public LocalPipeline pipeline() {
        return pipeline;
    }

    public LoaderConfig loaderConfig() {
        return loaderConfig;
    }

    @Override
    public void close() {
        pipeline.close();
        s3.close();
        sqs.close();
        sqsServer.close();
        s3Server.close();
    }
}
