package dev.s3loader.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/** S3Proxy's directory back end (filesystem-nio2), as local mode uses it. */
class FilesystemS3ProxyTest extends S3ProxyBehaviourContract {
    @TempDir
    static Path dir;
    private EmbeddedS3 server;

    @AfterAll
    void stop() {
        server.close();
    }

    /** Started on first use: the contract's @BeforeAll runs before this class's. */
    @Override
    protected synchronized EmbeddedS3 server() {
        if (server == null) {
            server = EmbeddedS3.onDisk(dir.resolve("s3"), 0);
        }
        return server;
    }

    /** A file name is at most 255 bytes here, so the 1024-byte key has a "/" every 200 characters. */
    @Override
    protected String longestKey() {
        return key1024(true);
    }

    @Test
    void putObject_pathSegmentLongerThan255Bytes_rejectedLimitation() {
        String key = "incoming/" + "s".repeat(300);
        assertThatThrownBy(() -> s3NoRetry.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromString("x")))
                .isInstanceOf(SdkException.class);
    }

    @Test
    void restart_sameDirectory_objectsSurvive() {
        // Arrange
        Path data = dir.resolve("restart");
        try (EmbeddedS3 first = EmbeddedS3.onDisk(data, 0); S3Client c = first.newClient()) {
            first.createBucket("kept");
            c.putObject(b -> b.bucket("kept").key("incoming/a b.csv"), RequestBody.fromString("1,2\n"));
        }

        // Act
        try (EmbeddedS3 second = EmbeddedS3.onDisk(data, 0); S3Client c = second.newClient()) {
            // Assert
            assertThat(c.getObjectAsBytes(b -> b.bucket("kept").key("incoming/a b.csv")).asUtf8String())
                    .isEqualTo("1,2\n");
            assertThat(Files.isRegularFile(data.resolve("kept/incoming/a b.csv"))).isTrue();
        }
    }
}
