package dev.s3loader.local.faults;

import dev.s3loader.clients.AwsClients;
import dev.s3loader.embedded.EmbeddedPostgres;
import dev.s3loader.embedded.EmbeddedS3;
import dev.s3loader.embedded.EmbeddedSqs;
import dev.s3loader.clients.NoExpectContinueInterceptor;
import dev.s3loader.local.LocalPipeline;
import dev.s3loader.loader.StepHook;
import dev.s3loader.model.Layout;
import dev.s3loader.model.ListerConfig;
import dev.s3loader.model.LoaderConfig;
import dev.s3loader.model.PollerConfig;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * One scenario's local stack: a bucket on the embedded S3 server, a queue and its dead-letter
 * queue on the embedded SQS server, a database with a target table without a primary key (so a
 * duplicated row stays visible and countable), and the production lister and loader fleet
 * ({@link LocalPipeline}) over clients a scenario may make faulty. The test's own clients stay
 * clean: what the producers drop and what the final check reads never pass through a fault.
 */
final class Stack implements AutoCloseable {
    static final Layout LAYOUT = Layout.defaults();
    static final String TABLE = "fault_rows";
    static final String DDL = "CREATE TABLE IF NOT EXISTS " + TABLE
            + " (id bigint NOT NULL, name text NOT NULL, amount numeric NOT NULL, note varchar(40))";
    static final String LEDGER = "s3loader_ledger";
    static final int MAX_RECEIVE = 5;
    static final Duration VISIBILITY = Duration.ofSeconds(10);

    final String name;
    final String bucket;
    final Path work;
    final S3Client s3;
    final Dropped dropped;
    final Clock clock = new FastClock(30);
    private final EmbeddedS3 s3Server;
    private final Supplier<EmbeddedSqs> sqsServer;
    private final Supplier<String> jdbcUrl;
    private final SqsClient sqs;
    private final String queueUrl;
    private final Map<String, String> env;
    private final List<ExecutionInterceptor> s3Faults;
    private final List<ExecutionInterceptor> sqsFaults;
    private S3Client pipelineS3;
    private SqsClient pipelineSqs;
    private LocalPipeline pipeline;

    /**
     * @param sqsServer  the SQS server now (a scenario may restart it on the same port)
     * @param jdbcUrl    the database now (a scenario may restart it on the same port)
     * @param s3Faults   interceptors on the pipeline's S3 client
     * @param sqsFaults  interceptors on the pipeline's SQS client
     */
    Stack(String name, EmbeddedS3 s3Server, Supplier<EmbeddedSqs> sqsServer, Supplier<String> jdbcUrl, Path work,
          List<ExecutionInterceptor> s3Faults, List<ExecutionInterceptor> sqsFaults, Map<String, String> overrides) {
        this.name = name;
        this.bucket = "faults-" + name.toLowerCase().replaceAll("[^a-z0-9]", "-");
        this.work = work;
        this.s3Server = s3Server;
        this.sqsServer = sqsServer;
        this.jdbcUrl = jdbcUrl;
        this.s3Faults = s3Faults;
        this.sqsFaults = sqsFaults;
        s3Server.createBucket(bucket);
        this.s3 = s3Server.newClient();
        this.sqs = sqsServer.get().newClient();
        this.queueUrl = createQueues();
        execute(DDL);
        this.dropped = new Dropped(s3, bucket);
        Map<String, String> e = new HashMap<>(Map.ofEntries(
                Map.entry("BUCKET", bucket), Map.entry("QUEUE_URL", queueUrl), Map.entry("DESTINATION", "postgres"),
                Map.entry("DB_URL", jdbcUrl.get()), Map.entry("DB_SSL_MODE", "disable"), Map.entry("DB_USER", EmbeddedPostgres.USER),
                Map.entry("DB_PASSWORD", EmbeddedPostgres.PASSWORD), Map.entry("DB_TABLE", TABLE),
                Map.entry("CSV_HEADER", "true"), Map.entry("MAX_RECEIVE_COUNT", Integer.toString(MAX_RECEIVE)),
                Map.entry("WAIT_TIME_SECONDS", "1"), Map.entry("VISIBILITY_TIMEOUT_SECONDS",
                        Long.toString(VISIBILITY.toSeconds())),
                Map.entry("POLLERS", "3"), Map.entry("BATCH_SIZE", "25"), Map.entry("BATCHING_WINDOW_SECONDS", "0"),
                // A fault can cost a file several dispatches; none of these files is stuck.
                Map.entry("MAX_ATTEMPTS", "1000"), Map.entry("REQUEUE_AFTER_MINUTES", "1")));
        e.putAll(overrides);
        this.env = Map.copyOf(e);
    }

    /** The queue and its dead-letter queue, as the template makes them; idempotent, so also after an SQS restart. */
    String createQueues() {
        String queue = "faults-" + name;
        return sqsServer.get().createQueueWithDeadLetterQueue(queue.length() > 70 ? queue.substring(0, 70) : queue,
                MAX_RECEIVE, VISIBILITY).queueUrl();
    }

    Map<String, String> env() {
        return env;
    }

    String queueUrl() {
        return queueUrl;
    }

    String jdbcUrl() {
        return jdbcUrl.get();
    }

    EmbeddedS3 s3Server() {
        return s3Server;
    }

    EmbeddedSqs sqsServer() {
        return sqsServer.get();
    }

    /** Starts the lister and the loader fleet (again, after a crash) with this hook at the step boundaries. */
    synchronized LocalPipeline start(StepHook hook) {
        if (pipeline != null) {
            throw new IllegalStateException("already running");
        }
        if (pipelineS3 == null) {
            pipelineS3 = s3Server.newClientBuilder().overrideConfiguration(faulty(s3Faults, true)).build();
            pipelineSqs = sqsServer.get().newClientBuilder().overrideConfiguration(faulty(sqsFaults, false)).build();
        }
        pipeline = new LocalPipeline(new LocalPipeline.Clients(pipelineS3, pipelineSqs, () -> {
            throw new IllegalStateException("no Redshift here");
        }), ListerConfig.fromEnv(env), LoaderConfig.fromEnv(env), PollerConfig.fromEnv(env), Duration.ofSeconds(1),
                work.resolve("metrics"), clock, hook, () -> { });
        return pipeline;
    }

    /** Stops the pipeline: the batches in hand finish, or die at their next step if the hook ends them. */
    synchronized void stop() {
        if (pipeline != null) {
            pipeline.close();
            pipeline = null;
        }
    }

    private static software.amazon.awssdk.core.client.config.ClientOverrideConfiguration faulty(
            List<ExecutionInterceptor> faults, boolean s3) {
        var b = AwsClients.retries().toBuilder();
        if (s3) {
            b.addExecutionInterceptor(NoExpectContinueInterceptor.INSTANCE);
        }
        faults.forEach(b::addExecutionInterceptor);
        return b.build();
    }

    /** Nothing left to do: incoming/ is empty and the queue holds no message, twice a second apart. */
    boolean drained() {
        return incomingEmpty() && queueHeld() == 0;
    }

    /** Waits until {@link #drained()} holds twice in a row; fails with what is left after {@code limit}. */
    void awaitDrained(Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        int inARow = 0;
        while (inARow < 2) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(name + ": not drained after " + limit + ": incoming/ empty=" + incomingEmpty()
                        + ", queue holds " + queueHeld());
            }
            inARow = drained() ? inARow + 1 : 0;
            sleep(Duration.ofSeconds(1));
        }
    }

    boolean incomingEmpty() {
        return s3.listObjectsV2(b -> b.bucket(bucket).prefix(LAYOUT.incoming()).maxKeys(1)).keyCount() == 0;
    }

    long queueHeld() {
        try {
            return sqs.getQueueAttributes(b -> b.queueUrl(queueUrl).attributeNames(
                            QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                            QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE,
                            QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED))
                    .attributes().values().stream().mapToLong(Long::parseLong).sum();
        } catch (RuntimeException e) {
            return -1; // the server is down (a scenario restarts it): not drained
        }
    }

    /** Processed files so far, to time a fault "mid-run". */
    int processedCount() {
        int n = 0;
        for (var page : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(LAYOUT.processed()))) {
            n += page.keyCount();
        }
        return n;
    }

    /** Waits until at least {@code n} files are processed, so a fault lands in the middle of the run. */
    void awaitProcessed(int n, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (processedCount() < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(name + ": fewer than " + n + " files processed after " + limit);
            }
            sleep(Duration.ofSeconds(1));
        }
    }

    void execute(String sql) {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl.get(), EmbeddedPostgres.USER, EmbeddedPostgres.PASSWORD);
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public void close() {
        stop();
        if (pipelineS3 != null) {
            pipelineS3.close();
            pipelineSqs.close();
        }
        s3.close();
        sqs.close();
    }
}
