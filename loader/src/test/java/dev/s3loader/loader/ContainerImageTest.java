package dev.s3loader.loader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.s3loader.clients.S3Objects;
import dev.s3loader.embedded.EmbeddedS3;
import dev.s3loader.embedded.SharedServers;
import dev.s3loader.model.FileMessage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The container image itself, run without a container engine: scripts/container --check unpacks
 * the image tarball's layers into a root filesystem and names it (s3loader.image.root) with the
 * image's config.json (s3loader.image.config); this test runs the image's entry point, as its
 * user, chrooted into that root (with its own /proc, as a container has), so only what the image
 * holds is used: its jlinked Java, its glibc, its classpath. Skipped unless both are given and the
 * test runs as root (chroot needs it).
 */
class ContainerImageTest {
    private static Path root;
    private static JsonNode config;

    @BeforeAll
    static void image() throws IOException {
        String rootProperty = System.getProperty("s3loader.image.root");
        String configProperty = System.getProperty("s3loader.image.config");
        assumeTrue(rootProperty != null && configProperty != null,
                "no unpacked image given (scripts/container --check gives one)");
        assumeTrue("root".equals(System.getProperty("user.name")), "chroot needs root");
        root = Path.of(rootProperty);
        config = new ObjectMapper().readTree(Path.of(configProperty).toFile()).get("config");
    }

    private record Run(int exitCode, String output) {
    }

    /** The image's entry point in the image's root, with the image's environment plus {@code env}. */
    private static Process start(Map<String, String> env, Path log) throws IOException {
        List<String> command = new ArrayList<>(List.of(hostTool("unshare"), "--mount", "--mount-proc=" + root.resolve("proc"),
                hostTool("chroot"), "--userspec=" + config.get("User").asText(), root.toString()));
        config.get("Entrypoint").forEach(a -> command.add(a.asText()));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().clear();
        config.get("Env").forEach(e -> {
            String[] kv = e.asText().split("=", 2);
            pb.environment().put(kv[0], kv[1]);
        });
        pb.environment().putAll(env);
        return pb.start();
    }

    /** The host's own tool, found before the image's environment replaces PATH. */
    private static String hostTool(String name) {
        for (String dir : System.getenv("PATH").split(":")) {
            if (Files.isExecutable(Path.of(dir, name))) {
                return Path.of(dir, name).toString();
            }
        }
        for (String dir : List.of("/usr/sbin", "/usr/bin", "/sbin", "/bin")) {
            if (Files.isExecutable(Path.of(dir, name))) {
                return Path.of(dir, name).toString();
            }
        }
        throw new IllegalStateException(name + " is not installed");
    }

    private static Run finish(Process p, Path log) throws Exception {
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("the entry point ended").isTrue();
        return new Run(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }

    @Test
    void entryPoint_noSettings_stopsNamingTheMissingVariable() throws Exception {
        // Act
        Path log = Files.createTempFile("image-", ".log");
        Run run = finish(start(Map.of(), log), log);
        System.out.println("image output:\n" + run.output());

        // Assert
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.output()).contains("s3loader loader: BUCKET is required but not set");
    }

    /**
     * glibc loads its NSS modules at run time (ldd never lists them) and reads nsswitch.conf: before
     * 2.34 an image without libnss_files/libnss_dns resolves no name at all, and without
     * nsswitch.conf glibc asks DNS before /etc/hosts for every name.
     */
    @Test
    void image_holdsNsswitchConf_andTheBuildingGlibcsNssModules() throws Exception {
        Path nsswitch = root.resolve("etc/nsswitch.conf");
        assertThat(nsswitch).as("the image's /etc/nsswitch.conf").exists();
        assertThat(Files.readAllLines(nsswitch)).anySatisfy(line -> assertThat(line).matches("hosts:\\s+files\\s+dns\\s*"));
        try (var libcs = Files.find(root, 6, (f, a) -> f.getFileName().toString().equals("libc.so.6"))) {
            Path libc = libcs.findFirst().orElseThrow();
            Path hostDir = Path.of("/").resolve(root.relativize(libc.getParent()).toString());
            for (String module : List.of("libnss_files.so.2", "libnss_dns.so.2")) {
                if (Files.exists(hostDir.resolve(module))) {
                    assertThat(libc.resolveSibling(module)).as("the building machine's %s", module).exists();
                }
            }
        }
    }

    /** The SQS endpoint by host name: localhost, from the image's own /etc/hosts, through its resolver. */
    @Test
    void entryPoint_anEndpointByHostName_resolvesThroughTheImagesResolverAndLoads() throws Exception {
        loadsAFile("http://localhost:" + SharedServers.sqs().endpoint().getPort(), "by name");
    }

    @Test
    void entryPoint_againstTheLocalServers_loadsAFileThenStopsCleanlyOnSigterm() throws Exception {
        loadsAFile(SharedServers.sqs().endpoint().toString(), "from the image");
    }

    private void loadsAFile(String sqsEndpoint, String name) throws Exception {
        // Arrange: a file and its message, as the lister leaves them.
        try (S3Client s3 = SharedServers.s3().newClient(); SqsClient sqs = SharedServers.sqs().newClient()) {
            String bucket = "image-" + UUID.randomUUID().toString().substring(0, 8);
            s3.createBucket(b -> b.bucket(bucket));
            String queueUrl = sqs.createQueue(b -> b.queueName(bucket)).queueUrl();
            String key = "incoming/" + name + " ü +%.csv";
            s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromString("a,b\n1,2\n"));
            var head = s3.headObject(b -> b.bucket(bucket).key(key));
            sqs.sendMessage(b -> b.queueUrl(queueUrl).messageBody(
                    new FileMessage(bucket, key, head.eTag(), 8, Instant.now()).toJson()));
            Map<String, String> env = new HashMap<>(Map.of(
                    "BUCKET", bucket, "QUEUE_URL", queueUrl, "WAIT_TIME_SECONDS", "1", "WORKER_STOP_GRACE_SECONDS", "20",
                    "AWS_REGION", EmbeddedS3.REGION.id(), "AWS_ACCESS_KEY_ID", EmbeddedS3.ACCESS_KEY,
                    "AWS_SECRET_ACCESS_KEY", EmbeddedS3.SECRET_KEY,
                    "AWS_ENDPOINT_URL_S3", SharedServers.s3().endpoint().toString(),
                    "AWS_ENDPOINT_URL_SQS", sqsEndpoint));
            Path log = Files.createTempFile("image-", ".log");

            // Act: the worker loads the file; then ECS's stop (SIGTERM).
            Process worker = start(env, log);
            long until = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (!S3Objects.exists(s3, bucket, "processed/" + name + " ü +%.csv") && worker.isAlive()
                    && System.nanoTime() < until) {
                Thread.sleep(1000);
            }
            worker.destroy();
            Run run = finish(worker, log);
            System.out.println("image output:\n" + run.output());

            // Assert
            assertThat(run.output()).contains("1 poller(s) on " + queueUrl)
                    .contains("stopped: every batch in hand finished");
            assertThat(run.exitCode()).as("exit status after SIGTERM").isEqualTo(143);
            assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket).key("processed/" + name + " ü +%.csv")).asUtf8String())
                    .isEqualTo("a,b\n1,2\n");
            assertThat(S3Objects.exists(s3, bucket, key)).isFalse();
            var depth = sqs.getQueueAttributes(b -> b.queueUrl(queueUrl).attributeNames(QueueAttributeName.ALL)).attributes();
            assertThat(depth.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)).isEqualTo("0");
            assertThat(depth.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).isEqualTo("0");
        }
    }
}
