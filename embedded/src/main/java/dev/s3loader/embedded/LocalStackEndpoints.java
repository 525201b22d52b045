package dev.s3loader.embedded;

import java.util.Optional;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.localstack.LocalStackContainer;
import org.testcontainers.containers.localstack.LocalStackContainer.Service;
import org.testcontainers.utility.DockerImageName;
import software.amazon.awssdk.regions.Region;

/**
 * LocalStack (S3 and SQS) in a Docker container, as {@link Endpoints}, for running the same
 * integration tests against a second implementation. Needs a Docker engine; where there is none,
 * {@link #startIfDockerAvailable()} returns empty so a test can skip:
 * <pre>{@code
 * var localStack = LocalStackEndpoints.startIfDockerAvailable();
 * Assumptions.assumeTrue(localStack.isPresent(), "no Docker engine");
 * }</pre>
 *
 * <p>Testcontainers is an optional dependency of this module: a module that uses this class adds
 * {@code org.testcontainers:localstack} itself, in test scope.
 */
public final class LocalStackEndpoints implements AutoCloseable {
    public static final String DEFAULT_IMAGE = "localstack/localstack:4.4";

    private final LocalStackContainer container;

    private LocalStackEndpoints(LocalStackContainer container) {
        this.container = container;
    }

    /** Whether Testcontainers can reach a Docker engine. */
    public static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    /** Starts {@link #DEFAULT_IMAGE} if Docker is available. */
    public static Optional<LocalStackEndpoints> startIfDockerAvailable() {
        return startIfDockerAvailable(DEFAULT_IMAGE);
    }

    public static Optional<LocalStackEndpoints> startIfDockerAvailable(String image) {
        if (!dockerAvailable()) {
            return Optional.empty();
        }
        LocalStackContainer container = new LocalStackContainer(DockerImageName.parse(image)
                .asCompatibleSubstituteFor("localstack/localstack"))
                .withServices(Service.S3, Service.SQS, Service.CLOUDWATCH);
        container.start();
        return Optional.of(new LocalStackEndpoints(container));
    }

    public Endpoints endpoints() {
        return new Endpoints(
                container.getEndpointOverride(Service.S3),
                container.getEndpointOverride(Service.SQS),
                Region.of(container.getRegion()),
                container.getAccessKey(),
                container.getSecretKey());
    }

    @Override
    public void close() {
        container.stop();
    }
}
