package dev.s3loader.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.s3loader.embedded.EmbeddedCloudWatch.Datum;
import dev.s3loader.embedded.EmbeddedCloudWatch.Failure;
import dev.s3loader.embedded.EmbeddedCloudWatch.PutMetricData;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.model.CloudWatchException;
import software.amazon.awssdk.services.cloudwatch.model.Dimension;
import software.amazon.awssdk.services.cloudwatch.model.MetricDatum;
import software.amazon.awssdk.services.cloudwatch.model.StandardUnit;

class EmbeddedCloudWatchTest {
    private static EmbeddedCloudWatch cloudWatch;
    private static CloudWatchClient client;

    @BeforeAll
    static void start() {
        cloudWatch = EmbeddedCloudWatch.start();
        client = cloudWatch.newClient();
    }

    @AfterAll
    static void stop() {
        client.close();
        cloudWatch.close();
    }

    @BeforeEach
    void reset() {
        cloudWatch.reset();
    }

    @Test
    void putMetricData_sixMetricsWithDimension_recordedExactlyAsSent() {
        // Arrange
        Instant now = Instant.parse("2026-01-02T03:04:05.678Z");
        String[] names = {"BacklogFiles", "BacklogBytes", "OldestFileAgeSeconds", "InFlightFiles", "EnqueuedFiles", "StuckFiles"};
        StandardUnit[] units = {StandardUnit.COUNT, StandardUnit.BYTES, StandardUnit.SECONDS,
                StandardUnit.COUNT, StandardUnit.COUNT, StandardUnit.COUNT};
        List<MetricDatum> sent = new ArrayList<>();
        List<Datum> expected = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            double value = i == 1 ? 5_368_709_120.5 : i * 10;
            sent.add(MetricDatum.builder().metricName(names[i]).unit(units[i]).value(value).timestamp(now)
                    .dimensions(Dimension.builder().name("Pipeline").value("demo pipeline/é").build()).build());
            expected.add(new Datum(names[i], Map.of("Pipeline", "demo pipeline/é"), value, units[i].toString(), now));
        }

        // Act
        client.putMetricData(b -> b.namespace("s3loader").metricData(sent));

        // Assert
        assertThat(cloudWatch.calls()).containsExactly(new PutMetricData("s3loader", expected));
        assertThat(cloudWatch.requestCount()).isEqualTo(1);
    }

    @Test
    void putMetricData_firstCallThrottled_retriedBySdk() {
        // Arrange
        cloudWatch.failNext(1, Failure.THROTTLING);

        // Act
        client.putMetricData(b -> b.namespace("s3loader").metricData(MetricDatum.builder()
                .metricName("LoadedFiles").value(3.0).unit(StandardUnit.COUNT).build()));

        // Assert
        assertThat(cloudWatch.requestCount()).isEqualTo(2);
        assertThat(cloudWatch.calls()).singleElement().satisfies(call -> {
            assertThat(call.namespace()).isEqualTo("s3loader");
            assertThat(call.metricData()).singleElement().satisfies(d -> {
                assertThat(d.metricName()).isEqualTo("LoadedFiles");
                assertThat(d.value()).isEqualTo(3.0);
                assertThat(d.unit()).isEqualTo("Count");
                assertThat(d.timestamp()).isNull();
                assertThat(d.dimensions()).isEmpty();
            });
        });
    }

    @Test
    void putMetricData_serverErrorTwice_retriedBySdk() {
        // Arrange
        cloudWatch.failNext(2, Failure.SERVER_ERROR);

        // Act
        client.putMetricData(b -> b.namespace("s3loader").metricData(MetricDatum.builder()
                .metricName("FailedFiles").value(0.0).build()));

        // Assert
        assertThat(cloudWatch.requestCount()).isEqualTo(3);
        assertThat(cloudWatch.calls()).hasSize(1);
    }

    @Test
    void putMetricData_throttledBeyondRetries_surfacesThrottlingError() {
        // Arrange
        cloudWatch.failNext(10, Failure.THROTTLING);

        // Act, Assert
        try (CloudWatchClient noRetries = cloudWatch.newClientBuilder()
                .overrideConfiguration(o -> o.retryStrategy(RetryMode.STANDARD).retryStrategy(r -> r.maxAttempts(1)))
                .build()) {
            assertThatThrownBy(() -> noRetries.putMetricData(b -> b.namespace("s3loader")
                    .metricData(MetricDatum.builder().metricName("X").value(1.0).build())))
                    .isInstanceOfSatisfying(CloudWatchException.class, e -> {
                        assertThat(e.statusCode()).isEqualTo(400);
                        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("Throttling");
                        assertThat(e.isThrottlingException()).isTrue();
                    });
        }
        assertThat(cloudWatch.calls()).isEmpty();
    }
}
