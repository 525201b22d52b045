package dev.s3loader.loader;

import dev.s3loader.clients.AwsClients;
import dev.s3loader.loader.destination.CopyDestination;
import dev.s3loader.loader.destination.Destination;
import dev.s3loader.loader.destination.postgres.PostgresDestination;
import dev.s3loader.loader.destination.redshift.RedshiftDestination;
import dev.s3loader.loader.destination.refined.ParquetDestination;
import dev.s3loader.loader.internal.FileMover;
import dev.s3loader.loader.internal.LoaderMetrics;
import dev.s3loader.loader.internal.ProbedPaths;
import dev.s3loader.model.ConfigException;
import dev.s3loader.model.LoaderConfig;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.function.Supplier;
import software.amazon.awssdk.services.redshiftdata.RedshiftDataClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * Wires a {@link BatchProcessor} from configuration and clients. The Lambda handler, the poller
 * and the local runtime all build the loader here, so they run exactly the same code.
 */
public final class LoaderWiring implements AutoCloseable {
    private final BatchProcessor processor;
    private final Destination destination;
    private final ExecutorService workers;
    private final ExecutorService parts;
    private final Preflight preflight;
    private final ProbedPaths paths;

    /**
     * The clients a loader may need; the Data API and Secrets Manager clients are built only by the
     * destination that uses them.
     */
    public record Clients(S3Client s3, Supplier<RedshiftDataClient> redshiftData,
                          Supplier<SecretsManagerClient> secretsManager) {
        /** Without Secrets Manager: a postgres destination configured with DB_SECRET_ARN then fails at its first load. */
        public Clients(S3Client s3, Supplier<RedshiftDataClient> redshiftData) {
            this(s3, redshiftData, () -> {
                throw new ConfigException("DB_SECRET_ARN is set but this runtime has no Secrets Manager client");
            });
        }
    }

    public LoaderWiring(LoaderConfig config, Clients clients, Consumer<String> metricsSink, Clock clock) {
        this(config, clients, metricsSink, clock, StepHook.NONE);
    }

    /** @param hook sees every step boundary; the fault suite arms it, production passes {@link StepHook#NONE} */
    public LoaderWiring(LoaderConfig config, Clients clients, Consumer<String> metricsSink, Clock clock, StepHook hook) {
        this.workers = Executors.newFixedThreadPool(config.moveConcurrency(), daemon("s3loader-move"));
        this.parts = Executors.newFixedThreadPool(4, daemon("s3loader-part"));
        this.paths = new ProbedPaths(clients.s3(), config.bucket(), config.layout().internal());
        ObjectCopier copier = new ObjectCopier(clients.s3(), config.multipartThreshold(), config.multipartPartSize(), parts,
                paths, config.layout().internal() + "staging/checked/");
        FileMover mover = new FileMover(clients.s3(), copier, paths);
        this.destination = destination(config, clients, copier, workers);
        this.preflight = new Preflight(clients.s3(), config, destination, clock, paths);
        this.processor = new BatchProcessor(destination, mover, config.layout(), config.processedKeyTime(),
                new LoaderMetrics(config.metricsNamespace(), config.pipelineName(), metricsSink, clock), workers,
                config.maxReceiveCount(), hook, clock);
    }

    /**
     * The production wiring on AWS: clients built once (per Lambda container or process) with the
     * project's HTTP client and retries; the Data API and Secrets Manager clients only if the
     * destination uses them. The Lambda handler and the container's main both start here.
     */
    public static LoaderWiring onAws(LoaderConfig config) {
        var http = AwsClients.http();
        var clients = new Clients(AwsClients.configure(S3Client.builder(), http).build(),
                () -> AwsClients.configure(RedshiftDataClient.builder(), http).build(),
                () -> AwsClients.configure(SecretsManagerClient.builder(), http).build());
        return new LoaderWiring(config, clients, System.out::println, Clock.systemUTC());
    }

    private static Destination destination(LoaderConfig config, Clients clients, ObjectCopier copier,
                                           ExecutorService workers) {
        return switch (config.destination()) {
            case COPY -> config.copyIsTheMove() ? new CopyDestination.MoveOnly()
                    : new CopyDestination(copier, config.layout(), config.destinationBucket(), config.destinationPrefix(),
                    workers);
            case POSTGRES -> new PostgresDestination(config.database(), clients.s3(), clients.secretsManager());
            case REDSHIFT -> new RedshiftDestination(config, clients.s3(), clients.redshiftData().get(), copier, workers);
            case PARQUET -> new ParquetDestination(clients.s3(), config.destinationBucket(), config.destinationPrefix(),
                    config.refined(), config.database().format(), config.database().csv(), config.database().compression(),
                    workers);
        };
    }

    /**
     * Probes the store now (once per container) and answers how files are moved on it; throws
     * {@link StoreRefusedException} where no path is safe. The Lambda's init and the container's
     * main call it before the first message, so a refused store never touches a file.
     */
    public MovePaths checkStore() {
        return paths.get();
    }

    public BatchProcessor processor() {
        return processor;
    }

    /** The checks this loader answers a preflight request with, run with its own clients and destination. */
    public Preflight preflight() {
        return preflight;
    }

    @Override
    public void close() {
        destination.close();
        workers.shutdown();
        parts.shutdown();
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return Thread.ofPlatform().name(name + "-", 0).daemon(true).factory();
    }
}
