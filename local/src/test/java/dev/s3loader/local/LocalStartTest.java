package dev.s3loader.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.s3loader.embedded.DocPages;
import dev.s3loader.model.ConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * scripts/local's start, as a newcomer meets it: the real {@link LocalRuntime} over a data folder,
 * and the real {@link LocalMain} as a child process. A start that is refused changes nothing in the
 * data folder; a second instance never touches the first one's writes in progress.
 */
class LocalStartTest {
    private static final String BUCKET = "s3loader-local";

    @TempDir
    Path dir;

    private LocalRuntime start(Path data, Map<String, String> overrides) {
        return start(data, 0, 0, overrides);
    }

    private LocalRuntime start(Path data, int s3Port, int sqsPort, Map<String, String> overrides) {
        return new LocalRuntime(new LocalRuntime.Options(data, s3Port, sqsPort, 0, BUCKET, Duration.ofMillis(200),
                data.resolve("metrics")), overrides);
    }

    @Test
    void restart_withAnotherDestinationOrTable_isRefusedInOneLineAndChangesNothing() throws Exception {
        Path data = dir.resolve("data");
        try (LocalRuntime first = start(data, Map.of("DESTINATION", "postgres"))) {
            assertThat(first.env()).containsEntry("DB_TABLE", "demo_rows");
        }
        Map<String, String> before = snapshot(data);

        // The default (copy), named or not, would send the waiting files to processed/ with no rows loaded.
        assertThatThrownBy(() -> start(data, Map.of("DESTINATION", "copy")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("S3LOADER_DATA_DIR " + data + " was run with DESTINATION=postgres DB_TABLE=demo_rows, this start asks"
                        + " for DESTINATION=copy: the files waiting there would load into the other destination; start with the"
                        + " same settings, use another S3LOADER_DATA_DIR, or switch on purpose with scripts/local --switch-destination");
        assertThatThrownBy(() -> start(data, Map.of("DESTINATION", "postgres", "DB_TABLE", "other_rows")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("was run with DESTINATION=postgres DB_TABLE=demo_rows, this start asks for DESTINATION=postgres"
                        + " DB_TABLE=other_rows");
        assertThat(snapshot(data)).isEqualTo(before);
        assertInReadme(("s3loader local: " + LocalDataFolder.differs(data, new LocalDataFolder.Choice(
                dev.s3loader.model.DestinationKind.POSTGRES, "demo_rows"), new LocalDataFolder.Choice(
                dev.s3loader.model.DestinationKind.COPY, "-"))).replace(data.toString(), ".local-data"));

        // Without a destination the folder's own one applies, and says so.
        try (LocalRuntime again = start(data, Map.of())) {
            assertThat(again.loaderConfig().destination().name()).isEqualTo("POSTGRES");
            assertThat(again.destinationRemembered()).isTrue();
            // Local mode's sample CSV for demo_rows (docs/local-mode.md) loads into it.
            assertThat(DocPages.page("local-mode.md")).contains("printf 'id,name,amount,note\\n1,apple,1.50,\\n"
                    + "2,\"pear, green\",0.75,ripe\\n' > orders.csv");
            again.s3().putObject(b -> b.bucket(BUCKET).key("incoming/orders.csv"),
                    RequestBody.fromString("id,name,amount,note\n1,apple,1.50,\n2,\"pear, green\",0.75,ripe\n"));
            awaitKey(again, "processed/orders.csv");
            try (var c = again.postgres().orElseThrow().connect(); var st = c.createStatement();
                 var rs = st.executeQuery("SELECT string_agg(id || ':' || name || ':' || amount || ':' || coalesce(note, '-'), ' '"
                         + " ORDER BY id) FROM demo_rows")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("1:apple:1.50:- 2:pear, green:0.75:ripe");
            }
        }
        // On purpose: --switch-destination.
        try (LocalRuntime switched = new LocalRuntime(new LocalRuntime.Options(data, 0, 0, 0, BUCKET, Duration.ofMillis(200),
                data.resolve("metrics"), true), Map.of("DESTINATION", "copy"))) {
            assertThat(switched.loaderConfig().destination().name()).isEqualTo("COPY");
        }
        assertThat(Files.readString(data.resolve(LocalDataFolder.REMEMBERED))).contains("destination=copy", "table=-");
    }

    @Test
    void start_badSetting_isRefusedBeforeAnyServerStartsAndTouchesNothing() throws Exception {
        Path data = dir.resolve("data");
        try (LocalRuntime first = start(data, Map.of())) {
            first.s3().putObject(b -> b.bucket(BUCKET).key("incoming/waiting.csv"), RequestBody.fromString("a\n"));
            awaitKey(first, "_s3loader/lister-state");
        }
        Map<String, String> before = snapshot(data);
        assertThat(before.keySet()).anyMatch(p -> p.endsWith("lister-state"));

        assertThatThrownBy(() -> start(data, Map.of("BATCH_SIZE", "0")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("BATCH_SIZE must be between 1 and 10000, got 0");
        assertThatThrownBy(() -> start(data, Map.of("DESTINATION", "mysql")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("DESTINATION must be one of copy, postgres, redshift, parquet, got 'mysql'");

        assertThat(snapshot(data)).isEqualTo(before);
    }

    @Test
    void localMain_badArguments_oneLineExitTwoAndNothingWritten() throws Exception {
        Path data = dir.resolve("untouched");
        Map<String, String> env = Map.of("S3LOADER_DATA_DIR", data.toString(), "S3LOADER_S3_PORT", String.valueOf(freePort()),
                "S3LOADER_SQS_PORT", String.valueOf(freePort()));

        Child empty = localMain(env, "--destination=");
        Child spaced = localMain(env, "--destination", "mysql");
        Child batch = localMain(with(env, "BATCH_SIZE", "0"), "--destination=postgres");

        assertThat(empty.status()).as(empty.output()).isEqualTo(2);
        assertThat(empty.output()).isEqualTo("s3loader local: --destination needs a value: copy, postgres or redshift"
                + " (e.g. --destination=postgres)\n");
        assertThat(spaced.status()).as(spaced.output()).isEqualTo(2);
        assertThat(spaced.output()).isEqualTo("s3loader local: DESTINATION must be one of copy, postgres, redshift, parquet, got 'mysql'\n");
        assertInReadme(empty.output());
        assertInReadme(spaced.output());
        assertThat(batch.status()).as(batch.output()).isEqualTo(2);
        assertThat(batch.output()).isEqualTo("s3loader local: BATCH_SIZE must be between 1 and 10000, got 0\n");
        assertThat(data).doesNotExist();
    }

    @Test
    void secondInstance_sameFolderOrPorts_isRefusedInOneLineAndTheFirstOnesUploadCompletes() throws Exception {
        Path data = dir.resolve("data");
        int s3Port = freePort();
        int sqsPort = freePort();
        byte[] body = new byte[4 << 20];
        Arrays.fill(body, (byte) 'x');
        CountDownLatch release = new CountDownLatch(1);
        try (LocalRuntime first = start(data, s3Port, sqsPort, Map.of("LIST_INTERVAL_SECONDS", "3600"))) {
            // A large upload in progress: half its body sent, the rest held back until the second start is over.
            CompletableFuture<String> upload = new CompletableFuture<>();
            // Not retried: a retry would send the whole body again and hide a write the second start broke.
            var builder = first.s3Server().newClientBuilder();
            S3Client once = builder.overrideConfiguration(builder.overrideConfiguration().toBuilder()
                    .retryStrategy(AwsRetryStrategy.doNotRetry()).build()).build();
            Thread.ofPlatform().daemon(true).start(() -> {
                try {
                    upload.complete(once.putObject(b -> b.bucket(BUCKET).key("incoming/big.csv"),
                            RequestBody.fromContentProvider(() -> new HeldStream(body, release), body.length, "text/csv")).eTag());
                } catch (RuntimeException e) {
                    upload.completeExceptionally(e);
                }
            });
            awaitUnfinishedWrite(data.resolve("s3"), upload);

            Child samePorts = localMain(Map.of("S3LOADER_DATA_DIR", data.toString(), "S3LOADER_S3_PORT", String.valueOf(s3Port),
                    "S3LOADER_SQS_PORT", String.valueOf(sqsPort)));
            Child sameFolder = localMain(Map.of("S3LOADER_DATA_DIR", data.toString(), "S3LOADER_S3_PORT",
                    String.valueOf(freePort()), "S3LOADER_SQS_PORT", String.valueOf(freePort())));
            Child otherFolder = localMain(Map.of("S3LOADER_DATA_DIR", dir.resolve("other").toString(), "S3LOADER_S3_PORT",
                    String.valueOf(s3Port), "S3LOADER_SQS_PORT", String.valueOf(freePort())));
            release.countDown();

            assertThat(upload.get(120, TimeUnit.SECONDS)).isNotBlank();
            assertThat(first.s3().getObjectAsBytes(b -> b.bucket(BUCKET).key("incoming/big.csv")).asByteArray()).isEqualTo(body);
            assertThat(samePorts.status()).as(samePorts.output()).isEqualTo(2);
            assertThat(samePorts.output()).isEqualTo("s3loader local: S3LOADER_S3_PORT " + s3Port + " is in use on 127.0.0.1"
                    + " (another scripts/local, or another server): stop it, or set S3LOADER_S3_PORT to a free port\n");
            assertThat(sameFolder.status()).as(sameFolder.output()).isEqualTo(2);
            assertThat(sameFolder.output()).isEqualTo("s3loader local: " + LocalDataFolder.inUse(data) + "\n");
            assertThat(otherFolder.status()).as(otherFolder.output()).isEqualTo(2);
            assertThat(otherFolder.output()).startsWith("s3loader local: S3LOADER_S3_PORT " + s3Port + " is in use");
            assertInReadme(samePorts.output().replace(String.valueOf(s3Port), "9000"));
            assertInReadme(sameFolder.output().replace(data.toString(), ".local-data"));
        } finally {
            release.countDown();
        }
    }

    /** docs/configuration.md's table of scripts/local's refusals shows each message as the tests above see it (default ports and folder). */
    static void assertInReadme(String message) {
        assertThat(String.join("\n", DocPages.section("configuration.md", "scripts/local's own refusals")))
                .as("docs/configuration.md, section 'scripts/local's own refusals'").contains("`" + message.strip() + "`");
    }

    // --- helpers ---------------------------------------------------------------------------

    record Child(int status, String output) {
    }

    /** The real scripts/local entry point in its own JVM, with only the given variables of scripts/local set. */
    private Child localMain(Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", System.getProperty("java.class.path"), LocalMain.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("S3LOADER_") || k.equals("DESTINATION") || k.equals("BATCH_SIZE"));
        pb.environment().put("LIST_INTERVAL_SECONDS", "3600");
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        // Its own thread, not the common pool (one worker on two cores, and the held upload may occupy it).
        CompletableFuture<String> output = new CompletableFuture<>();
        Thread.ofPlatform().daemon(true).start(() -> {
            try (InputStream in = p.getInputStream()) {
                output.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                output.completeExceptionally(new UncheckedIOException(e));
            }
        });
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            return new Child(-1, "still running after 180 s (it started instead of refusing):\n" + output.join());
        }
        return new Child(p.exitValue(), output.join());
    }

    private static Map<String, String> with(Map<String, String> env, String key, String value) {
        Map<String, String> m = new HashMap<>(env);
        m.put(key, value);
        return m;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Every file under {@code root} with its size and modification time: a picture to compare before and after. */
    private static Map<String, String> snapshot(Path root) throws IOException {
        Map<String, String> all = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                all.put(root.relativize(p).toString(), a.isDirectory() ? "dir" : a.size() + " " + a.lastModifiedTime().toMillis());
            }
        }
        return all;
    }

    private static void awaitKey(LocalRuntime rt, String key) throws InterruptedException {
        for (int i = 0; i < 6000; i++) {
            try {
                rt.s3().headObject(b -> b.bucket(BUCKET).key(key));
                return;
            } catch (NoSuchKeyException e) {
                Thread.sleep(20);
            } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
                if (e.statusCode() != 404) {
                    throw e;
                }
                Thread.sleep(20);
            }
        }
        throw new AssertionError(key + " never appeared");
    }

    /** Waits until S3Proxy has begun writing the upload (its temporary {@code <key>-<uuid>} file). */
    private static void awaitUnfinishedWrite(Path s3Root, CompletableFuture<String> upload) throws Exception {
        for (int i = 0; i < 6000; i++) {
            if (upload.isDone()) {
                throw new AssertionError("the upload ended before the test could hold it: " + upload.get());
            }
            if (Files.exists(s3Root)) {
                try (Stream<Path> files = Files.walk(s3Root)) {
                    if (files.anyMatch(p -> p.getFileName().toString().matches("big\\.csv-[0-9a-f-]{36}"))) {
                        return;
                    }
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("S3Proxy never began writing the upload");
    }

    /** The body of an upload that stops half-way until released. */
    private static final class HeldStream extends InputStream {
        private final byte[] body;
        private final CountDownLatch release;
        private int next;

        HeldStream(byte[] body, CountDownLatch release) {
            this.body = body;
            this.release = release;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (next >= body.length) {
                return -1;
            }
            if (next >= body.length / 2) {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                }
            }
            int n = Math.min(len, Math.min(body.length - next, 64 * 1024));
            System.arraycopy(body, next, b, off, n);
            next += n;
            return n;
        }
    }
}
