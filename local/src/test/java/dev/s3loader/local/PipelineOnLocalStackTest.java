package dev.s3loader.local;

import dev.s3loader.embedded.Endpoints;
import dev.s3loader.embedded.LocalStackEndpoints;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;

/** The same contract on LocalStack, where a Docker engine runs; skipped cleanly where none does. */
class PipelineOnLocalStackTest extends PipelineContract {
    private static LocalStackEndpoints localStack;

    @BeforeAll
    static void start() {
        localStack = LocalStackEndpoints.startIfDockerAvailable().orElse(null);
        Assumptions.assumeTrue(localStack != null, "no Docker engine: LocalStack tests skipped");
    }

    @AfterAll
    static void stop() {
        if (localStack != null) {
            localStack.close();
        }
    }

    @Override
    protected Endpoints endpoints() {
        return localStack.endpoints();
    }
}
