package dev.s3loader.local;

import dev.s3loader.model.ConfigException;
import dev.s3loader.model.Env;
import dev.s3loader.model.ListerConfig;
import dev.s3loader.model.LoaderConfig;
import dev.s3loader.model.PollerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * scripts/local: the pipeline on loopback until Ctrl-C, for dropping files with any S3 client.
 * Objects are kept in S3LOADER_DATA_DIR, so they survive a restart.
 */
public final class LocalMain {
    private LocalMain() {
    }

    static final String USAGE = "usage: scripts/local [--destination=copy|postgres|redshift] [--switch-destination] [--verbose]";

    public static void main(String[] args) throws InterruptedException {
        Map<String, String> environment = new HashMap<>(System.getenv());
        boolean switchDestination = false;
        boolean verbose = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String value = null;
            if (arg.startsWith("--destination=")) {
                value = arg.substring("--destination=".length());
            } else if (arg.equals("--destination")) {
                value = i + 1 < args.length ? args[++i] : "";
            } else if (arg.equals("--switch-destination")) {
                switchDestination = true;
                continue;
            } else if (arg.equals("--verbose")) {
                verbose = true;
                continue;
            } else {
                fail("unknown argument '" + arg + "'; " + USAGE);
            }
            if (value.isBlank()) {
                fail("--destination needs a value: copy, postgres or redshift (e.g. --destination=postgres)");
            }
            environment.put("DESTINATION", value);
        }
        LocalLogFormat.install(verbose);
        Env env = new Env(environment);
        LocalRuntime rt;
        try {
            Path data = Path.of(env.string("S3LOADER_DATA_DIR", ".local-data"));
            int s3Port = env.integer("S3LOADER_S3_PORT", 9000, 1, 65535);
            int sqsPort = env.integer("S3LOADER_SQS_PORT", 9324, 1, 65535);
            int pgPort = env.integer("S3LOADER_PG_PORT", 15432, 1, 65535);
            String bucket = env.string("S3LOADER_BUCKET", "s3loader-local");
            Map<String, String> overrides = new HashMap<>();
            // Everything the functions read passes through (DB_TABLE, CSV_*, LOAD_MODE, …); the rest stays out.
            environment.forEach((k, v) -> {
                if (!k.startsWith("AWS_") && (LoaderConfig.VARIABLES.containsKey(k) || ListerConfig.VARIABLES.containsKey(k)
                        || PollerConfig.VARIABLES.containsKey(k))) {
                    overrides.put(k, v);
                }
            });
            Duration interval = env.seconds("LIST_INTERVAL_SECONDS", Duration.ofSeconds(5), 1, 3600);
            rt = new LocalRuntime(new LocalRuntime.Options(data, s3Port, sqsPort, pgPort, bucket, interval,
                    data.resolve("metrics"), switchDestination), overrides, CrashAt.fromEnv(environment.get("S3LOADER_CRASH_AT")));
            print(rt, data);
        } catch (ConfigException e) {
            fail(e.getMessage());
            return;
        } catch (RuntimeException e) {
            System.err.println("s3loader local: cannot start: " + e.getMessage()
                    + (e.getCause() != null ? " (" + e.getCause() + ")" : ""));
            System.exit(1);
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

    private static void fail(String message) {
        System.err.println("s3loader local: " + message);
        System.exit(2);
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
                  destination   %s
                  data folder   %s (objects survive a restart)
                  metrics       %s%s
                Try:
                  export AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s AWS_REGION=%s AWS_DEFAULT_REGION=%s
                  aws --endpoint-url %s s3 cp ./some.csv s3://%s/incoming/some.csv
                  aws --endpoint-url %s s3 ls --recursive s3://%s/processed/
                  scripts/audit --local%s%s   # checks the invariants on this bucket
                """, s3, rt.sqsServer().endpoint(), rt.bucket(), rt.queues().queueUrl(), rt.queues().deadLetterQueueUrl(),
                rt.s3Server().accessKey(), rt.s3Server().secretKey(), rt.s3Server().region().id(),
                rt.loaderConfig().destination().name().toLowerCase(java.util.Locale.ROOT)
                        + (rt.destinationRemembered() ? " (as the data folder was last run; --destination=… and "
                        + "--switch-destination change it)" : ""),
                data.toAbsolutePath(), data.resolve("metrics").toAbsolutePath(),
                rt.postgres().map(pg -> String.format("%n  PostgreSQL    %s user %s password %s, table %s (DESTINATION=%s)"
                                + "%n  psql          PGPASSWORD=%s psql -h 127.0.0.1 -p %d -U %s postgres -c 'SELECT count(*) FROM %s'",
                        pg.jdbcUrl(), pg.user(), pg.password(), rt.env().get("DB_TABLE"), rt.loaderConfig().destination()
                                .name().toLowerCase(java.util.Locale.ROOT), pg.password(), pg.port(), pg.user(),
                        rt.env().get("DB_TABLE"))).orElse(""),
                rt.s3Server().accessKey(), rt.s3Server().secretKey(), rt.s3Server().region().id(), rt.s3Server().region().id(),
                s3, rt.bucket(), s3, rt.bucket(),
                "s3loader-local".equals(rt.bucket()) ? "" : " --bucket " + rt.bucket(),
                switch (rt.loaderConfig().destination()) {
                    case POSTGRES -> " --destination postgres";
                    case REDSHIFT -> rt.redshift().map(rs -> " --destination redshift --redshift-endpoint " + rs.endpoint()).orElse("");
                    case COPY, PARQUET -> "";
                });
    }
}
