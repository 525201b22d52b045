package dev.s3loader.loader.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.s3loader.embedded.SharedServers;
import dev.s3loader.loader.Delivery;
import dev.s3loader.loader.LoaderWiring;
import dev.s3loader.model.FileMessage;
import dev.s3loader.model.LoaderConfig;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/** The loader's Embedded Metric Format line for a real batch (copy destination, S3Proxy). */
class LoaderMetricsTest {
    private static final Instant NOW = Instant.parse("2026-11-30T12:00:00Z");
    private S3Client s3;
    private String bucket;

    @BeforeEach
    void setUp() {
        s3 = SharedServers.s3().newClient();
        bucket = "metrics-" + UUID.randomUUID().toString().substring(0, 8);
        s3.createBucket(b -> b.bucket(bucket));
    }

    @AfterEach
    void tearDown() {
        s3.close();
    }

    private Delivery drop(String id, String key, String content) {
        s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromString(content));
        String etag = s3.headObject(b -> b.bucket(bucket).key(key)).eTag();
        return Delivery.of(id, new FileMessage(bucket, key, etag, content.length(), NOW).toJson(), "1");
    }

    /** An incoming key of exactly 1,024 bytes: processed/ would need two more, so it can only fail. */
    private static String tooLongForProcessed() {
        StringBuilder b = new StringBuilder("incoming/long/");
        while (b.length() < 1024) {
            b.append(b.length() % 200 == 199 ? '/' : 'k');
        }
        return b.toString();
    }

    @Test
    void batch_twoLoadedOneFailed_oneEmfLineWithTheBatchFigures() throws Exception {
        // Arrange
        List<String> lines = new CopyOnWriteArrayList<>();
        List<Delivery> batch = new ArrayList<>();
        batch.add(drop("m1", "incoming/m/a.csv", "0123456789"));
        batch.add(drop("m2", "incoming/m/b c.csv", "x".repeat(25)));
        batch.add(drop("m3", tooLongForProcessed(), "never loaded"));
        LoaderConfig config = LoaderConfig.fromEnv(Map.of("BUCKET", bucket, "PIPELINE_NAME", "orders"));

        // Act
        try (LoaderWiring loader = new LoaderWiring(config, new LoaderWiring.Clients(s3, () -> {
            throw new IllegalStateException("not used");
        }), lines::add, Clock.fixed(NOW, ZoneOffset.UTC))) {
            loader.processor().process(batch);
        }

        // Assert
        assertThat(lines).hasSize(1);
        JsonNode emf = new ObjectMapper().readTree(lines.get(0));
        JsonNode directive = emf.at("/_aws/CloudWatchMetrics/0");
        assertThat(emf.at("/_aws/Timestamp").asLong()).isEqualTo(NOW.toEpochMilli());
        assertThat(directive.get("Namespace").asText()).isEqualTo("s3loader");
        assertThat(directive.get("Dimensions").toString()).isEqualTo("[[\"Pipeline\"]]");
        List<String> declared = new ArrayList<>();
        directive.get("Metrics").forEach(m -> declared.add(m.get("Name").asText() + "/" + m.get("Unit").asText()));
        assertThat(declared).containsExactly("LoadedFiles/Count", "LoadedBytes/Bytes", "FailedFiles/Count",
                "BatchLoadSeconds/Seconds");
        assertThat(emf.get("Pipeline").asText()).isEqualTo("orders");
        assertThat(emf.get("LoadedFiles").asLong()).isEqualTo(2);
        assertThat(emf.get("LoadedBytes").asLong()).isEqualTo(35);
        assertThat(emf.get("FailedFiles").asLong()).isEqualTo(1);
        assertThat(emf.get("BatchLoadSeconds").isNumber()).isTrue();
        assertThat(emf.get("BatchLoadSeconds").asDouble()).isGreaterThanOrEqualTo(0);
        assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket).key("processed/m/b c.csv")).asUtf8String())
                .isEqualTo("x".repeat(25));
    }
}
