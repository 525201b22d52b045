package dev.s3loader.local;

import dev.s3loader.embedded.EmbeddedPostgres;
import dev.s3loader.embedded.EmbeddedS3;
import dev.s3loader.embedded.EmbeddedSqs;
import dev.s3loader.embedded.redshift.EmbeddedRedshiftData;
import dev.s3loader.loader.StepHook;
import dev.s3loader.model.ConfigException;
import dev.s3loader.model.DestinationKind;
import dev.s3loader.model.Env;
import dev.s3loader.model.ListerConfig;
import dev.s3loader.model.LoaderConfig;
import dev.s3loader.model.PollerConfig;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.core.client.builder.SdkClientBuilder;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.redshiftdata.RedshiftDataClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Starts an S3 server, an SQS server and, for the database destinations, PostgreSQL (behind a
 * local Redshift Data API for {@code redshift}) on loopback; creates the bucket, the queue with its
 * dead-letter queue and the sample table; and runs the pipeline against them. With
 * {@code EVENT_FAST_PATH=true} the S3 server sends S3's event notification for every object
 * created under {@code incoming/} to an event queue beside the load queue (EVENT_QUEUE_URL), as
 * the stack's bucket notification does on AWS. The lister, loader and poller read the same
 * variables as on AWS; this class only fills in the local endpoints.
 */
public final class LocalRuntime implements AutoCloseable {
    /** The table local mode loads CSV files into unless DB_TABLE names another. */
    public static final String SAMPLE_TABLE = "demo_rows";
    static final String SAMPLE_DDL = "CREATE TABLE IF NOT EXISTS " + SAMPLE_TABLE
            + " (id bigint PRIMARY KEY, name text NOT NULL, amount numeric NOT NULL, note text)";

    /**
     * Where things run: ports (0 = any free one) and the data folder (null: all in memory).
     *
     * @param switchDestination the data folder may run with another destination or table than before
     *     (scripts/local --switch-destination); otherwise such a start is refused
     */
    public record Options(Path dataDir, int s3Port, int sqsPort, int postgresPort, String bucket,
                          Duration listInterval, Path metricsDir, boolean switchDestination) {
        public Options(Path dataDir, int s3Port, int sqsPort, int postgresPort, String bucket, Duration listInterval,
                       Path metricsDir) {
            this(dataDir, s3Port, sqsPort, postgresPort, bucket, listInterval, metricsDir, false);
        }
    }

    private final EmbeddedS3 s3Server;
    private final EmbeddedSqs sqsServer;
    private final EmbeddedPostgres postgres;
    private final EmbeddedRedshiftData redshift;
    private final S3Client s3;
    private final SqsClient sqs;
    private final EmbeddedSqs.Queues queues;
    private final String bucket;
    private final LocalPipeline pipeline;
    private final LoaderConfig loaderConfig;
    private final Map<String, String> env;
    private final LocalDataFolder dataFolder;
    private final boolean destinationRemembered;

    /** @param overrides variables on top of the local defaults (BATCH_SIZE, POLLERS, DESTINATION, DB_TABLE, …) */
    public LocalRuntime(Options options, Map<String, String> overrides) {
        this(options, overrides, StepHook.NONE);
    }

    /** @param hook sees the loader's step boundaries (a test seam: {@link CrashAt} halts the process at one) */
    public LocalRuntime(Options options, Map<String, String> overrides, StepHook hook) {
        this(options, overrides, hook, List.of(), () -> { });
    }

    /**
     * @param clientInterceptors added to the S3 and SQS clients the pipeline runs with (and that
     *     {@link #s3()} and {@link #sqs()} return): a measuring seam for scripts/bench, which counts
     *     the requests the pipeline makes; the other constructors add none
     * @param beforeStart runs once, after the servers, queues and clients are ready and before the
     *     lister's first run or a poller's first receive: where a measurement starts its clock and
     *     its request count, so that no pipeline request falls before it
     */
    public LocalRuntime(Options options, Map<String, String> overrides, StepHook hook,
                        List<ExecutionInterceptor> clientInterceptors, Runnable beforeStart) {
        this.bucket = options.bucket();
        Map<String, String> env = new HashMap<>(Map.of(
                "BUCKET", bucket,
                "WAIT_TIME_SECONDS", "1",
                "VISIBILITY_TIMEOUT_SECONDS", "60",
                "REQUEUE_AFTER_MINUTES", "5",
                // Below the requeue delay; on one machine an event is never minutes late.
                "EVENT_GRACE_MINUTES", "1",
                "POLLERS", "4",
                // One range: the in-process S3 server walks the whole prefix for each range's first
                // page, so parallel ranges multiply the work on a local machine instead of hiding latency.
                "LIST_RANGES", "1",
                // Moves are S3 requests only (never database work): as many at once as rclone's 32 transfers.
                "MOVE_CONCURRENCY", "32"));
        env.putAll(overrides);
        Path data = options.dataDir();
        // A restart without a destination (or table) runs with the one the data folder was run with.
        Optional<LocalDataFolder.Choice> remembered = data == null || options.switchDestination() || !blank(env.get("DESTINATION"))
                ? Optional.empty() : LocalDataFolder.remembered(data);
        remembered.ifPresent(r -> {
            env.put("DESTINATION", r.destination().name().toLowerCase(java.util.Locale.ROOT));
            if (blank(env.get("DB_TABLE")) && !LocalDataFolder.NO_TABLE.equals(r.table()) && !SAMPLE_TABLE.equals(r.table())) {
                env.put("DB_TABLE", r.table());
            }
        });
        this.destinationRemembered = remembered.isPresent();
        // Every setting is checked before any server starts or the data folder is touched: a refused start changes nothing.
        DestinationKind destination = new Env(env).choice("DESTINATION", DestinationKind.class, DestinationKind.COPY);
        boolean sampleTable = destination != DestinationKind.COPY
                && databaseDefaults(env, destination, "jdbc:postgresql://127.0.0.1:" + Math.max(1, options.postgresPort()) + "/"
                        + EmbeddedPostgres.DATABASE, EmbeddedPostgres.USER, EmbeddedPostgres.PASSWORD);
        validate(env);
        Map<String, Integer> ports = new java.util.LinkedHashMap<>();
        ports.put("S3LOADER_S3_PORT", options.s3Port());
        ports.put("S3LOADER_SQS_PORT", options.sqsPort());
        if (destination != DestinationKind.COPY && data != null) {
            ports.put("S3LOADER_PG_PORT", options.postgresPort());
        }
        LoopbackPorts.requireFree(ports);
        this.dataFolder = data == null ? null : LocalDataFolder.claim(data, new LocalDataFolder.Choice(destination,
                destination == DestinationKind.COPY ? LocalDataFolder.NO_TABLE : env.get("DB_TABLE")), options.switchDestination());
        Started started = new Started();
        String starting = "S3LOADER_S3_PORT";
        try {
            this.s3Server = started.add(data == null ? EmbeddedS3.inMemory(options.s3Port())
                    : EmbeddedS3.onDisk(data.resolve("s3"), options.s3Port()));
            starting = "S3LOADER_SQS_PORT";
            this.sqsServer = started.add(EmbeddedSqs.start(options.sqsPort()));
            starting = "S3LOADER_PG_PORT";
            s3Server.createBucket(bucket);
            this.s3 = started.add(withInterceptors(s3Server.newClientBuilder(), clientInterceptors).build());
            this.sqs = started.add(withInterceptors(sqsServer.newClientBuilder(), clientInterceptors).build());
            if (destination == DestinationKind.COPY) {
                this.postgres = null;
                this.redshift = null;
            } else {
                this.postgres = started.add(data == null ? EmbeddedPostgres.start()
                        : EmbeddedPostgres.persistent(data.resolve("postgres"), options.postgresPort()));
                starting = null;
                if (destination == DestinationKind.POSTGRES && !overrides.containsKey("DB_URL")) {
                    env.put("DB_URL", postgres.jdbcUrl());
                }
                if (sampleTable) {
                    execute(SAMPLE_DDL);
                }
                this.redshift = destination == DestinationKind.REDSHIFT ? started.add(EmbeddedRedshiftData.start(postgres, s3)) : null;
            }
            starting = null;
            LoaderConfig loader = LoaderConfig.fromEnv(env);
            this.queues = sqsServer.createQueueWithDeadLetterQueue("s3loader", loader.maxReceiveCount(),
                    new Env(env).seconds("VISIBILITY_TIMEOUT_SECONDS", Duration.ofSeconds(60), 10, 43_200));
            env.put("QUEUE_URL", queues.queueUrl());
            ListerConfig lister = ListerConfig.fromEnv(env);
            if (lister.eventFastPath()) {
                // What the stack's bucket notification does on AWS: every object created under incoming/ is sent at once,
                // to a queue of its own, so that the lister's count of its own messages in QUEUE_URL stays true.
                String events = sqsServer.createQueueBeside(queues, "s3loader-events", loader.maxReceiveCount(),
                        new Env(env).seconds("VISIBILITY_TIMEOUT_SECONDS", Duration.ofSeconds(60), 10, 43_200));
                env.put("EVENT_QUEUE_URL", events);
                s3Server.events().toQueue(bucket, lister.layout().incoming(), sqs, events);
            }
            // The queue is new on every start, so nothing recorded as in flight is really in it any more.
            s3.deleteObject(b -> b.bucket(bucket).key(lister.layout().listerStateKey()));
            this.loaderConfig = loader;
            this.env = Map.copyOf(env);
            RedshiftDataClient dataApi = redshift == null ? null : started.add(redshift.newClient());
            this.pipeline = new LocalPipeline(new LocalPipeline.Clients(s3, sqs, () -> {
                if (dataApi == null) {
                    throw new IllegalStateException("the Redshift Data API runs locally only with DESTINATION=redshift");
                }
                return dataApi;
            }), lister, loader, PollerConfig.fromEnv(env), options.listInterval(), options.metricsDir(), Clock.systemUTC(), hook,
                    beforeStart);
        } catch (RuntimeException e) {
            started.closeAll();
            if (dataFolder != null) {
                dataFolder.close();
            }
            if (starting != null && LoopbackPorts.isBindFailure(e)) {
                // Taken between the check above and the bind: still one line naming the variable.
                throw new ConfigException(LoopbackPorts.busy(starting, ports.getOrDefault(starting, 0)));
            }
            throw e;
        }
    }

    /**
     * The functions' own start-up checks, run on the settings as they will be once the servers are up
     * (the queue URL, not known before, stands in as a placeholder).
     */
    private static void validate(Map<String, String> env) {
        Map<String, String> preview = new HashMap<>(env);
        preview.putIfAbsent("QUEUE_URL", "http://127.0.0.1/000000000000/s3loader");
        LoaderConfig.fromEnv(preview);
        ListerConfig.fromEnv(preview);
        PollerConfig.fromEnv(preview);
        new Env(preview).seconds("VISIBILITY_TIMEOUT_SECONDS", Duration.ofSeconds(60), 10, 43_200);
    }

    private static boolean blank(String v) {
        return v == null || v.isBlank();
    }

    /** What a failed start must close again, in reverse order. */
    private static final class Started {
        private final java.util.ArrayDeque<AutoCloseable> open = new java.util.ArrayDeque<>();

        <T extends AutoCloseable> T add(T c) {
            open.push(c);
            return c;
        }

        void closeAll() {
            while (!open.isEmpty()) {
                try {
                    open.pop().close();
                } catch (Exception e) {
                    // closing what a failed start opened; the start's own error is the one to report
                }
            }
        }
    }

    private static <B extends SdkClientBuilder<B, ?>> B withInterceptors(B builder, List<ExecutionInterceptor> interceptors) {
        if (interceptors.isEmpty()) {
            return builder;
        }
        ClientOverrideConfiguration.Builder c = builder.overrideConfiguration().toBuilder();
        interceptors.forEach(c::addExecutionInterceptor);
        return builder.overrideConfiguration(c.build());
    }

    /**
     * Points the database variables at the local PostgreSQL, unless the caller named them; returns
     * whether the sample table is the one loaded (created once the server is up).
     */
    private static boolean databaseDefaults(Map<String, String> env, DestinationKind destination, String jdbcUrl, String user,
                                            String password) {
        boolean sample = blank(env.get("DB_TABLE"));
        if (sample) {
            env.put("DB_TABLE", SAMPLE_TABLE);
            env.putIfAbsent("CSV_HEADER", "true");
        }
        if (destination == DestinationKind.POSTGRES) {
            if (!env.containsKey("DB_URL")) {
                env.put("DB_URL", jdbcUrl);
                // Only for the embedded server, which listens on loopback without TLS; a server the user names keeps verify-full.
                env.putIfAbsent("DB_SSL_MODE", "disable");
            }
            env.putIfAbsent("DB_USER", user);
            env.putIfAbsent("DB_PASSWORD", password);
        } else {
            env.putIfAbsent("REDSHIFT_WORKGROUP", "local");
            env.putIfAbsent("DB_NAME", EmbeddedPostgres.DATABASE);
            env.putIfAbsent("REDSHIFT_IAM_ROLE", "arn:aws:iam::000000000000:role/s3loader-local-copy");
        }
        return sample;
    }

    private void execute(String sql) {
        try (Connection c = postgres.connect(); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot prepare the local database: " + e.getMessage(), e);
        }
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

    public Optional<EmbeddedPostgres> postgres() {
        return Optional.ofNullable(postgres);
    }

    public Optional<EmbeddedRedshiftData> redshift() {
        return Optional.ofNullable(redshift);
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

    /** Whether no destination was given and the data folder's remembered one applies. */
    public boolean destinationRemembered() {
        return destinationRemembered;
    }

    /** The variables the pipeline runs with, local endpoints filled in. */
    public Map<String, String> env() {
        return env;
    }

    @Override
    public void close() {
        pipeline.close();
        s3.close();
        sqs.close();
        if (redshift != null) {
            redshift.close();
        }
        if (postgres != null) {
            postgres.close();
        }
        sqsServer.close();
        s3Server.close();
        if (dataFolder != null) {
            dataFolder.close();
        }
    }
}
