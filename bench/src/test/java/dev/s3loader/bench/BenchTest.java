package dev.s3loader.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.s3loader.embedded.EmbeddedS3;
import dev.s3loader.model.DestinationKind;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * scripts/bench's pieces on the real local servers, with a small run: what it says it moved is
 * really in processed/, its JSON has the fields docs/performance.md and the integrator read, its chart is
 * well-formed SVG. No figure is asserted: the bench measures, it does not judge.
 */
class BenchTest {
    private static final int FILES = 200;
    private static final long LARGE = 6L * 1024 * 1024;

    @TempDir
    Path dir;

    @Test
    void run_smallCopyBench_movesEveryFileAndWritesReadableResults() throws Exception {
        // Arrange
        Path out = dir.resolve("out");
        Path data = dir.resolve("data");
        String peers = RclonePeer.version("rclone").isPresent() ? "sdk,rclone" : "sdk";
        BenchOptions options = BenchOptions.parse(new String[] {"--files", Integer.toString(FILES), "--size", "1KiB",
                "--large", "6MiB", "--peers", peers, "--out", out.toString(), "--data-dir", data.toString(), "--keep-data",
                "--timeout", "900"}, Map.of());

        // Act
        BenchResult result = new Bench(options, new PrintStream(PrintStream.nullOutputStream()), Map.of()).run("bench test");
        BenchReport.write(result, out);
        BenchReport.print(result, new PrintStream(PrintStream.nullOutputStream()));

        // Assert: the counts it reports, and the objects themselves on the server's disk.
        assertThat(result.pipeline().files()).isEqualTo(FILES);
        assertThat(result.verified()).containsEntry("incoming", 0L).containsEntry("processed", (long) FILES)
                .containsEntry("sdkProcessed", (long) FILES).containsEntry("sdkIncoming", 0L);
        SeedFiles seeded = new SeedFiles(FILES, 1024, DestinationKind.COPY);
        try (EmbeddedS3 server = EmbeddedS3.onDisk(data.resolve("s3"), 0); S3Client s3 = server.newClient()) {
            Set<String> processed = new HashSet<>();
            long largeSize = -1;
            for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(Bench.BUCKET).prefix("processed/")).contents()) {
                if (o.key().equals("processed/large/big.bin")) {
                    largeSize = o.size();
                } else {
                    assertThat(o.size()).as(o.key()).isEqualTo(1024L);
                    processed.add(o.key());
                }
            }
            Set<String> expected = new HashSet<>();
            for (int i = 0; i < FILES; i++) {
                expected.add("processed/" + seeded.relativeKey(i));
            }
            assertThat(processed).isEqualTo(expected);
            assertThat(largeSize).isEqualTo(LARGE);
            assertThat(s3.listObjectsV2(b -> b.bucket(Bench.BUCKET).prefix("incoming/")).keyCount()).isZero();
            assertThat(s3.getObjectAsBytes(b -> b.bucket(Bench.BUCKET).key("processed/" + seeded.relativeKey(7))).asByteArray())
                    .isEqualTo(seeded.content(7));
        }

        JsonNode json = new ObjectMapper().readTree(out.resolve("bench.json").toFile());
        assertThat(json.path("files").asInt()).isEqualTo(FILES);
        JsonNode s3loader = json.path("movers").get(0);
        assertThat(s3loader.path("name").asText()).isEqualTo("s3loader copy");
        assertThat(s3loader.path("files").asLong()).isEqualTo(FILES);
        for (String field : new String[] {"seconds", "filesPerSecond", "megabytesPerSecond", "latencyP50Millis",
                "latencyP99Millis", "s3loaderRatio", "billableRequestsPerFile", "usdPerMillionFiles"}) {
            assertThat(s3loader.path(field).isNumber()).as(field).isTrue();
        }
        // Every file needs at least its copy; the lister lists and the queue carries messages.
        assertThat(s3loader.path("requests").path("S3 CopyObject").asLong()).isGreaterThanOrEqualTo(FILES);
        assertThat(s3loader.path("requestsPerFileByApi").path("LIST").asDouble()).isPositive();
        assertThat(s3loader.path("requestsPerFileByApi").path("SQS").asDouble()).isPositive();
        JsonNode sdk = json.path("movers").get(1);
        assertThat(sdk.path("name").asText()).isEqualTo("SDK v2 loop");
        assertThat(sdk.path("requests").path("S3 CopyObject").asLong()).isGreaterThanOrEqualTo(FILES);
        assertThat(json.path("largeFile").get(0).path("bytes").asLong()).isEqualTo(LARGE);
        // The loader's own time for the large file, without the wait for the lister: within the drop-to-processed time.
        JsonNode loaderOnly = json.path("largeFile").get(1);
        assertThat(loaderOnly.path("name").asText()).isEqualTo(Bench.LOADER_ONLY);
        assertThat(loaderOnly.path("seconds").asDouble()).isPositive()
                .isLessThanOrEqualTo(json.path("largeFile").get(0).path("seconds").asDouble());
        assertThat(json.path("prices").path("region").asText()).isEqualTo("us-east-1");
        assertThat(json.path("prices").path("asOf").asText()).isNotBlank();
        JsonNode trace = json.path("backlog").get(0).path("points");
        assertThat(trace.get(trace.size() - 1).get(1).asDouble()).isZero();

        Document svg = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(out.resolve("backlog.svg").toFile());
        assertThat(svg.getDocumentElement().getTagName()).isEqualTo("svg");
        assertThat(svg.getElementsByTagName("polyline").getLength()).isEqualTo(result.traces().size());
    }

    @Test
    void localRuntime_beforeStart_runsBeforeThePipelinesFirstRequest() throws Exception {
        // The bench's request count and clock start here; a lister run that began earlier would be
        // missing from both (a CI run counted 0 LIST requests for 200 files that way).
        RequestMeter meter = new RequestMeter();
        java.util.List<Map<String, Long>> atStart = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (dev.s3loader.local.LocalRuntime rt = new dev.s3loader.local.LocalRuntime(
                new dev.s3loader.local.LocalRuntime.Options(null, 0, 0, 0, "before-start", java.time.Duration.ofHours(1),
                        dir.resolve("metrics")),
                Map.of(), dev.s3loader.loader.StepHook.NONE, java.util.List.of(meter), () -> atStart.add(meter.snapshot()))) {
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
            while (meter.snapshot().getOrDefault("S3 ListObjectsV2", 0L) == 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(meter.snapshot()).as("the lister's first run lists incoming/").containsKey("S3 ListObjectsV2");
        }
        assertThat(atStart).hasSize(1);
        assertThat(atStart.get(0)).doesNotContainKey("S3 ListObjectsV2").doesNotContainKey("SQS ReceiveMessage");
    }

    @Test
    void latencyHistogram_percentiles_withinTwoPercent() {
        LatencyHistogram h = new LatencyHistogram();
        for (int ms = 1; ms <= 10_000; ms++) {
            h.record(ms);
        }
        assertThat(h.count()).isEqualTo(10_000);
        assertThat(h.percentile(0.50)).isBetween(5_000L, 5_100L);
        assertThat(h.percentile(0.99)).isBetween(9_900L, 10_100L);
        assertThat(new LatencyHistogram().percentile(0.5)).isEqualTo(-1);
    }

    @Test
    void parse_badFlag_namesIt() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--large", "lots"}, Map.of()))
                .hasMessageContaining("--large");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--peers", "s5cmd"}, Map.of()))
                .hasMessageContaining("s5cmd");
        assertThat(BenchOptions.parse(new String[] {"--large", "2GiB"}, Map.of()).largeBytes()).isEqualTo(2L << 30);
    }
}
