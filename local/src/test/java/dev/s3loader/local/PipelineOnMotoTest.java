package dev.s3loader.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.s3loader.embedded.Endpoints;
import dev.s3loader.embedded.SharedServers;
import dev.s3loader.loader.BatchOutcome;
import dev.s3loader.loader.Delivery;
import dev.s3loader.loader.LoaderWiring;
import dev.s3loader.model.FileMessage;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The pipeline contract on moto's S3 ({@code moto_server}, started once per test JVM) with
 * ElasticMQ: a second S3 implementation, one that ignores CopySourceIfMatch and the per-key ETag
 * of DeleteObjects and echoes StartAfter unencoded (docs/stores.md).
 */
class PipelineOnMotoTest extends PipelineContract {
    @Override
    protected Endpoints endpoints() {
        return SharedServers.motoEndpoints();
    }

    /** moto moves about ten files a second here: a tenth of the files keeps its run near a minute and a half. */
    @Override
    protected int ordinaryFiles(int files) {
        return files / 10;
    }

    @Test
    void loader_keyTheStoreRejects_isAcknowledgedAsGoneNotRetried() {
        // S3 takes a newline in a key; moto answers 404 to every request naming one, so such a file
        // can never be written there. A message naming one (as an event from another store would)
        // is settled at once: the file is not there; its message is not handed back again and again.
        String key = "incoming/line\nbreak.csv";
        assertThatThrownBy(() -> s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromString("x")))
                .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(404));
        String body = new FileMessage(bucket, key, "\"9dd4e461268c8034f5c8564e155c67a6\"", 1, Instant.now()).toJson();

        try (LoaderWiring loader = loader(env())) {
            BatchOutcome out = loader.processor().process(List.of(new Delivery("m-1", body, 1)));

            assertThat(out.failedMessageIds()).isEmpty();
            assertThat(out.skipped()).isEqualTo(1);
        }
    }
}
