package dev.s3loader.local;

import dev.s3loader.model.ConfigException;
import dev.s3loader.model.Env;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * scripts/local: the pipeline on loopback until Ctrl-C, for dropping files with any S3 client.
 * Objects are kept in S3LOADER_DATA_DIR, so they survive a restart.
 */
public final class LocalMain {
    private LocalMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        Map<String, String> environment = new HashMap<>(System.getenv());
        for (String arg : args) {
            if (arg.startsWith("--destination=")) {
                environment.put("DESTINATION", arg.substring("--destination=".length()));
            } else {
                System.err.println("usage: scripts/local [--destination=copy|postgres|redshift]");
                System.exit(2);
            }
        }
        Env env = new Env(environment);
        LocalRuntime rt;
        try {
            Path data = Path.of(env.string("S3LOADER_DATA_DIR", ".local-data"));
            int s3Port = env.integer("S3LOADER_S3_PORT", 9000, 1, 65535);
            int sqsPort = env.integer("S3LOADER_SQS_PORT", 9324, 1, 65535);
            String bucket = env.string("S3LOADER_BUCKET", "s3loader-local");
            Map<String, String> overrides = new HashMap<>();
            for (String k : List.of("BATCH_SIZE", "POLLERS", "MOVE_CONCURRENCY", "MAX_IN_FLIGHT_FILES", "DESTINATION",
                    "MAX_RECEIVE_COUNT", "REQUEUE_AFTER_MINUTES")) {
                env.optional(k).ifPresent(v -> overrides.put(k, v));
            }
            Duration interval = env.seconds("LIST_INTERVAL_SECONDS", Duration.ofSeconds(5), 1, 3600);
            rt = new LocalRuntime(data, s3Port, sqsPort, bucket, overrides, interval, data.resolve("metrics"));
            print(rt, data);
        } catch (ConfigException e) {
            System.err.println("s3loader local: " + e.getMessage());
            System.exit(2);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("stopping: finishing the batches in hand…");
            rt.close();
            stopped.countDown();
        }));
        stopped.await();
    }

    private static void print(LocalRuntime rt, Path data) {
        String s3 = rt.s3Server().endpoint().toString();
        System.out.printf("""
                s3loader is running locally (Ctrl-C to stop).
                  S3 endpoint   %s
                  SQS endpoint  %s
                  bucket        %s
                  queue         %s
                  dead letters  %s
                  credentials   AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s AWS_REGION=%s
                  data folder   %s (objects survive a restart)
                  metrics       %s
                Try:
                  export AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s AWS_REGION=%s
                  aws --endpoint-url %s s3 cp ./some.csv s3://%s/incoming/some.csv
                  aws --endpoint-url %s s3 ls --recursive s3://%s/processed/
                """, s3, rt.sqsServer().endpoint(), rt.bucket(), rt.queues().queueUrl(), rt.queues().deadLetterQueueUrl(),
                rt.s3Server().accessKey(), rt.s3Server().secretKey(), rt.s3Server().region().id(),
                data.toAbsolutePath(), data.resolve("metrics").toAbsolutePath(),
                rt.s3Server().accessKey(), rt.s3Server().secretKey(), rt.s3Server().region().id(),
                s3, rt.bucket(), s3, rt.bucket());
    }
}
