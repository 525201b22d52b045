package dev.s3loader.lister;

import dev.s3loader.clients.AwsClients;
import dev.s3loader.lister.internal.CloudWatchBacklogPublisher;
import dev.s3loader.lister.internal.LastRunStore;
import dev.s3loader.lister.internal.LogBacklogPublisher;
import dev.s3loader.lister.internal.MessageSender;
import dev.s3loader.lister.internal.QueueDepth;
import dev.s3loader.lister.internal.RangeListing;
import dev.s3loader.model.ListerConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Wires a {@link ListerService} from configuration and clients. The Lambda handler, {@link ListerMain},
 * the local runtime and the tests all build the lister here, so they run exactly the same code; the
 * collaborators it builds stay in {@code internal}.
 */
public final class ListerWiring {
    private ListerWiring() {
    }

    /** The production wiring over the given clients, the backlog going to {@code publisher}. */
    public static ListerService service(ListerConfig config, S3Client s3, SqsClient sqs, BacklogPublisher publisher,
                                       Clock clock) {
        return new ListerService(config,
                new RangeListing(s3, config.bucket(), config.layout(), 1000),
                new StateStore(s3, config.bucket(), config.layout().listerStateKey()),
                new MessageSender(sqs, config.queueUrl(), 5, Duration.ofMillis(200), 8),
                new QueueDepth(sqs, config.queueUrl()),
                publisher,
                new LastRunStore(s3, config.bucket(), config.layout().listerLastRunKey()),
                clock);
    }

    /** The production wiring on AWS, clients built once per container or process: what the handler and the main run. */
    public static ListerService onAws(ListerConfig config, Clock clock) {
        var http = AwsClients.http();
        var s3 = AwsClients.configure(S3Client.builder(), http).build();
        var sqs = AwsClients.configure(SqsClient.builder(), http).build();
        var cloudWatch = AwsClients.configure(CloudWatchClient.builder(), http).build();
        return service(config, s3, sqs, cloudWatchPublisher(cloudWatch, config.metricsNamespace(), config.pipelineName(),
                clock), clock);
    }

    /** The backlog gauges as one PutMetricData call a run, dimension {@value BacklogMetrics#DIMENSION}={@code pipelineName}. */
    public static BacklogPublisher cloudWatchPublisher(CloudWatchClient cloudWatch, String namespace, String pipelineName,
                                                       Clock clock) {
        return new CloudWatchBacklogPublisher(cloudWatch, namespace, pipelineName, clock);
    }

    /** Local mode: the backlog gauges as one JSON line a run appended to {@code file}. */
    public static BacklogPublisher metricsLogPublisher(Path file, Clock clock) {
        return new LogBacklogPublisher(file, clock);
    }
}
