package dev.s3loader.local.faults;

import dev.s3loader.embedded.EmbeddedS3;
import dev.s3loader.embedded.EmbeddedSqs;
import dev.s3loader.embedded.SdkClients;
import dev.s3loader.loader.LoaderWiring;
import dev.s3loader.loader.poller.QueuePoller;
import dev.s3loader.local.CrashAt;
import dev.s3loader.model.LoaderConfig;
import dev.s3loader.model.PollerConfig;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A real loader process for the fault suite to {@code kill -9}: the production {@link LoaderWiring} and
 * {@link QueuePoller}s, wired as {@code LoaderMain} wires them, but to the embedded servers named by
 * S3_ENDPOINT and SQS_ENDPOINT (LoaderMain's clients are for AWS and cannot address S3Proxy by path).
 * S3LOADER_CRASH_AT halts it at a step boundary, as for the local runtime.
 */
public final class LoaderProcess {
    private LoaderProcess() {
    }

    public static void main(String[] args) throws InterruptedException {
        Map<String, String> env = System.getenv();
        var s3 = SdkClients.s3(URI.create(env.get("S3_ENDPOINT")), EmbeddedS3.REGION, EmbeddedS3.ACCESS_KEY,
                EmbeddedS3.SECRET_KEY).build();
        var sqs = SdkClients.sqs(URI.create(env.get("SQS_ENDPOINT")), EmbeddedSqs.REGION, EmbeddedSqs.ACCESS_KEY,
                EmbeddedSqs.SECRET_KEY).build();
        LoaderConfig config = LoaderConfig.fromEnv(env);
        PollerConfig poller = PollerConfig.fromEnv(env);
        LoaderWiring loader = new LoaderWiring(config, new LoaderWiring.Clients(s3, () -> {
            throw new IllegalStateException("no Redshift here");
        }), line -> { }, Clock.systemUTC(), CrashAt.fromEnv(env.get("S3LOADER_CRASH_AT")));
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < poller.pollers(); i++) {
            threads.add(Thread.ofPlatform().name("s3loader-poller-" + i).start(new QueuePoller(sqs, loader.processor(),
                    poller.queueUrl(), poller.batchSize(), poller.visibilityTimeout(), poller.waitTime(),
                    poller.batchingWindow())));
        }
        System.out.println("loader process running");
        for (Thread t : threads) {
            t.join();
        }
    }
}
