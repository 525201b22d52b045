package dev.s3loader.local;

import dev.s3loader.embedded.Endpoints;
import dev.s3loader.embedded.SharedServers;

/**
 * The pipeline contract on moto's S3 ({@code moto_server}, started once per test JVM) with
 * ElasticMQ: a second S3 implementation, one that ignores CopySourceIfMatch and the per-key ETag
 * of DeleteObjects and echoes StartAfter unencoded (README "S3-compatible stores").
 */
class PipelineOnMotoTest extends PipelineContract {
    @Override
    protected Endpoints endpoints() {
        return SharedServers.motoEndpoints();
    }
}
