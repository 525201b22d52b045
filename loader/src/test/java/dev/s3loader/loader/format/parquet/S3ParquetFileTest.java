package dev.s3loader.loader.format.parquet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.s3loader.embedded.SharedServers;
import dev.s3loader.model.FileMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/** The reader over S3: footer first, then a row group per ranged GET, each conditional on the etag. */
class S3ParquetFileTest {
    private static final String BUCKET = "s3-parquet-file-test";
    private static S3Client s3;
    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        SharedServers.s3().createBucket(BUCKET);
        s3 = SharedServers.s3().newClient();
    }

    @AfterAll
    static void stop() {
        s3.close();
    }

    private static FileMessage put(String key, Path file) throws Exception {
        byte[] body = Files.readAllBytes(file);
        String etag = s3.putObject(b -> b.bucket(BUCKET).key(key), RequestBody.fromBytes(body)).eTag();
        return new FileMessage(BUCKET, key, etag, body.length, Instant.now());
    }

    @Test
    void rowGroupsReadByRange_onlyTheFieldsAskedFor_andAReplacedFileIsNoticed() throws Exception {
        // Arrange: four row groups of ~3 MiB, more than one GET's minimum range each
        Path file = dir.resolve("groups.parquet");
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:"); Statement s = duck.createStatement()) {
            s.execute("COPY (SELECT i AS id, md5(i::VARCHAR) || md5((i + 1)::VARCHAR) AS pad FROM range(0, 200000) t(i)) TO '"
                    + file + "' (FORMAT parquet, COMPRESSION uncompressed, ROW_GROUP_SIZE 51200)");
        }
        FileMessage m = put("in/groups ü.parquet", file);
        S3ParquetFile in = new S3ParquetFile(s3, m);

        // Act
        AtomicLong sum = new AtomicLong();
        long rows;
        try (ParquetRows r = ParquetRows.open(in)) {
            rows = r.read(java.util.List.of("id"), v -> sum.addAndGet((Long) v[0]));
        }

        // Assert: every row, and more than one GET but not one per page
        assertThat(rows).isEqualTo(200_000);
        assertThat(sum.get()).isEqualTo(199_999L * 200_000 / 2);
        assertThat(in.gets()).isBetween(2, 10);

        // Arrange: the object is replaced after the message was sent
        s3.putObject(b -> b.bucket(BUCKET).key("in/groups ü.parquet"), RequestBody.fromString("replaced"));

        // Act / Assert: the old version's reads are refused by If-Match
        assertThatThrownBy(() -> ParquetRows.open(new S3ParquetFile(s3, m)).close()).isInstanceOf(S3ParquetFile.SourceChanged.class);
    }
}
