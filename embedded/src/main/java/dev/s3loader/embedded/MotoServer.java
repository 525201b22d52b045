package dev.s3loader.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;

/**
 * moto's S3 ({@code moto_server}, from the machine's Python) on a free loopback port: the second,
 * independent S3 implementation the pipeline contract runs on besides S3Proxy. moto keeps its
 * objects in memory; the process is stopped by {@link #close()} (and with the JVM: the shared
 * instance of {@link SharedServers#moto()} closes in a shutdown hook).
 *
 * <p>moto differs from AWS in ways the pipeline must survive (docs/stores.md): it
 * ignores CopySourceIfMatch and the per-key ETag of DeleteObjects, and does not url-encode StartAfter.
 */
public final class MotoServer implements AutoCloseable {
    /** The program that must be on the PATH; {@code .ci/run} checks for it. */
    public static final String PROGRAM = "moto_server";
    private static final Duration READY_WITHIN = Duration.ofSeconds(60);

    private final Process process;
    private final URI endpoint;
    private final Path log;

    private MotoServer(Process process, URI endpoint, Path log) {
        this.process = process;
        this.endpoint = endpoint;
        this.log = log;
    }

    /** Whether {@value #PROGRAM} is on the PATH. */
    public static Optional<Path> program() {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            Path p = Path.of(dir, PROGRAM);
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** Starts moto_server on a free loopback port and waits until it answers. */
    public static MotoServer start() {
        Path program = program().orElseThrow(() -> new IllegalStateException(PROGRAM + " is not on the PATH: install"
                + " moto with its server extra (pip install 'moto[server]'); the moto-backed tests need it"));
        int port = FreePort.orPick(0);
        try {
            Path log = Files.createTempFile("moto-server-", ".log");
            Process p = new ProcessBuilder(List.of(program.toString(), "-H", "127.0.0.1", "-p", Integer.toString(port)))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            MotoServer server = new MotoServer(p, URI.create("http://127.0.0.1:" + port), log);
            server.awaitReady();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + PROGRAM, e);
        }
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + READY_WITHIN.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(PROGRAM + " exited with " + process.exitValue() + "; its output: " + tail());
            }
            try {
                HttpURLConnection c = (HttpURLConnection) endpoint.resolve("/moto-api/").toURL().openConnection();
                c.setConnectTimeout(1000);
                c.setReadTimeout(2000);
                if (c.getResponseCode() > 0) {
                    c.disconnect();
                    return;
                }
            } catch (IOException notYet) {
                // Not listening yet.
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                close();
                throw new IllegalStateException("interrupted while waiting for " + PROGRAM, e);
            }
        }
        close();
        throw new IllegalStateException(PROGRAM + " did not answer on " + endpoint + " within " + READY_WITHIN.toSeconds()
                + " s; its output: " + tail());
    }

    private String tail() {
        try {
            String s = Files.readString(log);
            return s.length() > 2000 ? s.substring(s.length() - 2000) : s;
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    public URI endpoint() {
        return endpoint;
    }

    /**
     * moto's S3 with the given SQS (ElasticMQ): the S3 under test is moto, the queue is the known
     * one. moto accepts any credentials, so the queue's sign for both.
     */
    public Endpoints endpointsWith(EmbeddedSqs sqs) {
        return new Endpoints(endpoint, sqs.endpoint(), sqs.region(), sqs.accessKey(), sqs.secretKey());
    }

    /** A CloudWatch client for moto (which answers the SDK's CBOR protocol with 404); the caller closes it. */
    public CloudWatchClient cloudWatchClient() {
        return SdkClients.cloudWatch(endpoint, software.amazon.awssdk.regions.Region.US_EAST_1, "moto", "moto-secret").build();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        try {
            Files.deleteIfExists(log);
        } catch (IOException e) {
            // A temporary file; nothing else depends on it.
        }
    }

    @Override
    public String toString() {
        return "moto_server " + endpoint;
    }
}
