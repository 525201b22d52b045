package dev.s3loader.local;

import dev.s3loader.embedded.Endpoints;
import dev.s3loader.embedded.SharedServers;

/** The pipeline contract on S3Proxy and ElasticMQ, in this JVM. */
class PipelineOnEmbeddedServersTest extends PipelineContract {
    @Override
    protected Endpoints endpoints() {
        return SharedServers.endpoints();
    }
}
