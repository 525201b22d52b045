package dev.s3loader.cloudformation;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * moto_server on loopback, started once per test JVM, and an {@code aws} on PATH that sends the
 * real AWS CLI to it: the scripts' own AWS calls (IAM, S3 notifications) against a server that
 * answers as AWS does, where a fake would only echo what the test expects.
 */
final class MotoServer {
    static final String REGION = "eu-west-1";
    private static MotoServer shared;

    final String endpoint;
    /** A directory holding an {@code aws} that runs the real CLI with {@code --endpoint-url} of this server. */
    final Path bin;

    private MotoServer(String endpoint, Path bin) {
        this.endpoint = endpoint;
        this.bin = bin;
    }

    /** The server, or empty when moto_server or the AWS CLI is not installed. */
    static synchronized Optional<MotoServer> shared() throws IOException, InterruptedException {
        if (shared != null) {
            return Optional.of(shared);
        }
        Optional<Path> moto = onPath("moto_server");
        Optional<Path> aws = onPath("aws");
        if (moto.isEmpty() || aws.isEmpty()) {
            return Optional.empty();
        }
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path log = Files.createTempFile("moto-", ".log");
        Process p = new ProcessBuilder(moto.get().toString(), "-H", "127.0.0.1", "-p", Integer.toString(port))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Runtime.getRuntime().addShutdownHook(new Thread(p::destroy));
        while (!answers(port)) {
            if (!p.isAlive()) {
                throw new IllegalStateException("moto_server stopped: " + Files.readString(log));
            }
            Thread.sleep(200);
        }
        Path bin = Files.createTempDirectory("moto-bin-");
        Path wrapper = bin.resolve("aws");
        Files.writeString(wrapper, "#!/usr/bin/env bash\nexec '" + aws.get() + "' --endpoint-url http://127.0.0.1:" + port + " \"$@\"\n");
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
        shared = new MotoServer("http://127.0.0.1:" + port, bin);
        return Optional.of(shared);
    }

    private static boolean answers(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static Optional<Path> onPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
