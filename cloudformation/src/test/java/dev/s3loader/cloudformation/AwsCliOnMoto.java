package dev.s3loader.cloudformation;

import dev.s3loader.embedded.MotoServer;
import dev.s3loader.embedded.SharedServers;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * An {@code aws} on PATH that sends the real AWS CLI to the JVM's moto_server
 * ({@link SharedServers#moto()}): the scripts' own AWS calls (IAM, S3 notifications) against a
 * server that answers as AWS does, where a fake would only echo what the test expects.
 */
final class AwsCliOnMoto {
    static final String REGION = "eu-west-1";
    private static AwsCliOnMoto shared;

    /** A directory holding an {@code aws} that runs the real CLI with {@code --endpoint-url} of the server. */
    final Path bin;

    private AwsCliOnMoto(Path bin) {
        this.bin = bin;
    }

    /** The wrapper, or empty when moto_server or the AWS CLI is not installed. */
    static synchronized Optional<AwsCliOnMoto> shared() throws IOException {
        if (shared != null) {
            return Optional.of(shared);
        }
        Optional<Path> aws = onPath("aws");
        if (MotoServer.program().isEmpty() || aws.isEmpty()) {
            return Optional.empty();
        }
        String endpoint = SharedServers.moto().endpoint().toString();
        Path bin = Files.createTempDirectory("moto-bin-");
        Path wrapper = bin.resolve("aws");
        Files.writeString(wrapper, "#!/usr/bin/env bash\nexec '" + aws.get() + "' --endpoint-url " + endpoint + " \"$@\"\n");
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
        shared = new AwsCliOnMoto(bin);
        return Optional.of(shared);
    }

    private static Optional<Path> onPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
