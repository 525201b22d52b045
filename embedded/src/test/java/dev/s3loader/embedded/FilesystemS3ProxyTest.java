package dev.s3loader.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.EncodingType;
import software.amazon.awssdk.services.s3.model.S3Object;

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

    @Test
    void restart_afterCrashLeftTemporaryFiles_neitherListedNorKept() throws Exception {
        // Arrange: filesystem-nio2 writes "<key>-<random UUID>" beside the key and renames it
        // when the write completes; a kill -9 in between leaves that file behind.
        Path data = dir.resolve("crash");
        String uuidKey = "processed/p3/real-" + UUID.randomUUID();
        try (EmbeddedS3 first = EmbeddedS3.onDisk(data, 0); S3Client c = first.newClient()) {
            first.createBucket("crashed");
            c.putObject(b -> b.bucket("crashed").key("processed/p3/f001667.csv"), RequestBody.fromString("done\n"));
            // A user's key may end in "-<uuid>" too: it is data and must survive.
            c.putObject(b -> b.bucket("crashed").key(uuidKey), RequestBody.fromString("mine\n"));
        }
        Path leftOver = data.resolve("crashed/processed/p3/f001667.csv-" + UUID.randomUUID());
        Files.writeString(leftOver, "half a wri");

        // Act
        try (EmbeddedS3 second = EmbeddedS3.onDisk(data, 0); S3Client c = second.newClient()) {
            // Assert
            assertThat(c.listObjectsV2Paginator(b -> b.bucket("crashed").encodingType(EncodingType.URL)).contents()
                    .stream().map(S3Object::key).toList())
                    .containsExactlyInAnyOrder("processed/p3/f001667.csv", uuidKey);
            assertThat(leftOver).doesNotExist();
            assertThat(c.getObjectAsBytes(b -> b.bucket("crashed").key(uuidKey)).asUtf8String()).isEqualTo("mine\n");
        }
    }

    @Test
    void list_whileAWriteIsUnfinished_doesNotShowIt() throws Exception {
        // Arrange: the temporary file of a write in progress, as filesystem-nio2 names it.
        server().createBucket(bucket);
        s3.putObject(b -> b.bucket(bucket).key("incoming/a.csv"), RequestBody.fromString("a"));
        Path bucketDir = dir.resolve("s3").toRealPath().resolve(bucket);
        Files.writeString(bucketDir.resolve("incoming/b.csv-" + UUID.randomUUID()), "partial");

        // Act
        List<String> keys = s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix("incoming/")
                .encodingType(EncodingType.URL)).contents().stream().map(S3Object::key).toList();

        // Assert
        assertThat(keys).containsExactly("incoming/a.csv");
    }
}
