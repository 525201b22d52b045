package dev.s3loader.lister.internal;

import static dev.s3loader.lister.BacklogMetrics.*;

import dev.s3loader.lister.Backlog;
import dev.s3loader.lister.BacklogPublisher;
import java.time.Clock;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.model.Dimension;
import software.amazon.awssdk.services.cloudwatch.model.MetricDatum;
import software.amazon.awssdk.services.cloudwatch.model.StandardUnit;

/** One PutMetricData call per run with all six gauges; a failure is logged, never thrown. */
public final class CloudWatchBacklogPublisher implements BacklogPublisher {
    private static final Logger LOG = Logger.getLogger(CloudWatchBacklogPublisher.class.getName());
    private final CloudWatchClient cloudWatch;
    private final String namespace;
    private final Dimension pipeline;
    private final Clock clock;
    private final java.util.concurrent.atomic.AtomicBoolean noCbor = new java.util.concurrent.atomic.AtomicBoolean();

    public CloudWatchBacklogPublisher(CloudWatchClient cloudWatch, String namespace, String pipelineName, Clock clock) {
        this.cloudWatch = cloudWatch;
        this.namespace = namespace;
        this.pipeline = Dimension.builder().name(DIMENSION).value(pipelineName).build();
        this.clock = clock;
    }

    @Override
    public void publish(Backlog b) {
        var now = clock.instant();
        List<MetricDatum> data = List.of(
                datum(BACKLOG_FILES, b.files(), StandardUnit.COUNT, now),
                datum(BACKLOG_BYTES, b.bytes(), StandardUnit.BYTES, now),
                datum(OLDEST_FILE_AGE_SECONDS, b.oldestAge().toSeconds(), StandardUnit.SECONDS, now),
                datum(IN_FLIGHT_FILES, b.inFlight(), StandardUnit.COUNT, now),
                datum(ENQUEUED_FILES, b.enqueued(), StandardUnit.COUNT, now),
                datum(STUCK_FILES, b.stuck(), StandardUnit.COUNT, now));
        try {
            cloudWatch.putMetricData(r -> r.namespace(namespace).metricData(data));
        } catch (software.amazon.awssdk.core.exception.SdkServiceException e) {
            if (e.statusCode() != 404) {
                LOG.log(Level.WARNING, "backlog metrics not published (the run itself is unaffected)", e);
            } else if (noCbor.compareAndSet(false, true)) {
                // The SDK speaks only Smithy RPC v2 CBOR to CloudWatch and has no setting for another protocol.
                LOG.warning("the CloudWatch endpoint " + cloudWatch.serviceClientConfiguration().endpointOverride()
                        .map(Object::toString).orElse("of the region") + " answered 404 to PutMetricData in the Smithy"
                        + " RPC v2 CBOR protocol this SDK sends (moto and older LocalStack lack it): no backlog metric"
                        + " reaches it; the run is unaffected, and this is logged once");
            } else {
                LOG.log(Level.FINE, "backlog metrics not published (404 again)", e);
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "backlog metrics not published (the run itself is unaffected)", e);
        }
    }

    private MetricDatum datum(String name, double value, StandardUnit unit, java.time.Instant at) {
        return MetricDatum.builder().metricName(name).dimensions(pipeline).value(value).unit(unit).timestamp(at).build();
    }
}
