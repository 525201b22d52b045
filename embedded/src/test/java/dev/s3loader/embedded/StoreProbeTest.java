package dev.s3loader.embedded;

import static dev.s3loader.clients.StoreCondition.Verdict.HONOURED;
import static dev.s3loader.clients.StoreCondition.Verdict.IGNORED;
import static org.assertj.core.api.Assertions.assertThat;

import dev.s3loader.clients.MoveProbe;
import dev.s3loader.clients.StateWriteProbe;
import dev.s3loader.clients.StoreCondition;
import dev.s3loader.clients.StoreConditions;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.EncodingType;

/**
 * The store probes against both S3 implementations of the suite: what each honours is pinned here
 * (the table of docs/stores.md cites this test), and a probe leaves nothing behind.
 */
class StoreProbeTest {

    private static StoreConditions probeBoth(S3Client s3) {
        String bucket = "probe-" + UUID.randomUUID().toString().substring(0, 8);
        s3.createBucket(b -> b.bucket(bucket));
        StoreConditions found = StateWriteProbe.run(s3, bucket, "_s3loader/").and(MoveProbe.run(s3, bucket, "_s3loader/"));
        assertThat(s3.listObjectsV2(b -> b.bucket(bucket).encodingType(EncodingType.URL)).contents())
                .as("the probe leaves no object behind").isEmpty();
        assertThat(s3.listMultipartUploads(b -> b.bucket(bucket).encodingType(EncodingType.URL)).uploads())
                .as("nor an upload").isEmpty();
        return found;
    }

    @Test
    void probe_moto_ignoresTheCopyConditionsAndDeleteObjectsEtagAndHonoursTheRest() {
        try (S3Client s3 = SharedServers.motoEndpoints().s3Client()) {
            StoreConditions found = probeBoth(s3);

            assertThat(found.verdicts()).as(String.join("\n", found.lines())).containsExactlyInAnyOrderEntriesOf(Map.of(
                    StoreCondition.PUT_IF_NONE_MATCH, HONOURED,
                    StoreCondition.PUT_IF_MATCH, HONOURED,
                    StoreCondition.GET_IF_MATCH, HONOURED,
                    StoreCondition.HEAD_IF_MATCH, HONOURED,
                    StoreCondition.COPY_SOURCE_IF_MATCH, IGNORED,
                    StoreCondition.COPY_IF_NONE_MATCH, IGNORED,
                    StoreCondition.UPLOAD_PART_COPY_SOURCE_IF_MATCH, IGNORED,
                    StoreCondition.DELETE_IF_MATCH, HONOURED,
                    StoreCondition.DELETE_OBJECTS_ETAG, IGNORED));
            assertThat(found.copyKeepsEtag()).isTrue();
        }
    }

    @Test
    void probe_s3Proxy_pinsWhatItHonours() {
        try (S3Client s3 = SharedServers.s3().newClient()) {
            StoreConditions found = probeBoth(s3);

            System.out.println("S3Proxy: " + String.join("; ", found.lines()) + "; copy keeps etag " + found.copyKeepsEtag());
            assertThat(found.verdicts()).hasSize(StoreCondition.values().length);
        }
    }
}
