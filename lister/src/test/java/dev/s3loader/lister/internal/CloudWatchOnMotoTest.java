package dev.s3loader.lister.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3loader.embedded.SharedServers;
import dev.s3loader.lister.Backlog;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;

/** A CloudWatch endpoint without the SDK's CBOR protocol (moto's): one clear warning, the run unaffected. */
class CloudWatchOnMotoTest {

    @Test
    void publish_endpointWithoutCbor_warnsOnceAndNeverThrows() {
        List<LogRecord> records = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                records.add(r);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger logger = Logger.getLogger(CloudWatchBacklogPublisher.class.getName());
        logger.addHandler(capture);
        try (CloudWatchClient cloudWatch = SharedServers.moto().cloudWatchClient()) {
            var publisher = new CloudWatchBacklogPublisher(cloudWatch, "s3loader", "p", Clock.systemUTC());
            Backlog b = Backlog.of(1, 2, null, java.time.Instant.now(), 0, 0, 0, 0, true);

            publisher.publish(b);
            publisher.publish(b);
            publisher.publish(b);
        } finally {
            logger.removeHandler(capture);
        }

        List<LogRecord> warnings = records.stream().filter(r -> r.getLevel().intValue() >= Level.WARNING.intValue()).toList();
        assertThat(warnings).singleElement().satisfies(r -> assertThat(r.getMessage())
                .contains("answered 404 to PutMetricData in the Smithy RPC v2 CBOR protocol").contains("logged once"));
    }
}
