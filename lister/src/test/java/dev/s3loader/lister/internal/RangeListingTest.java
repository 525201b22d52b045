package dev.s3loader.lister.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3loader.embedded.SharedServers;
import dev.s3loader.model.KeyOrder;
import dev.s3loader.model.Layout;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/** The listing of {@code incoming/} against a real S3 server (S3Proxy): keys are data. */
class RangeListingTest {
    /** Every one of these is a legal S3 key; XML 1.0 cannot carry U+0001 unescaped. */
    static final List<String> AWKWARD = List.of(
            "incoming/ctl\u0001char.csv",
            "incoming/cr\rin.csv",
            "incoming/tab\tin.csv",
            "incoming/trailing space.csv ",
            "incoming/plus+percent%25 & <amp>.csv",
            "incoming/unicode-\u00e9\u4e2d\uD83D\uDE00.csv");

    private S3Client s3;
    private String bucket;

    @BeforeEach
    void setUp() {
        s3 = SharedServers.s3().newClient();
        bucket = "listing-" + UUID.randomUUID().toString().substring(0, 8);
        s3.createBucket(b -> b.bucket(bucket));
    }

    @AfterEach
    void tearDown() {
        s3.close();
    }

    @Test
    void files_keysWithControlCharactersCrTabAndTrailingSpaces_listedByteForByteAcrossPages() {
        // Arrange
        for (String key : AWKWARD) {
            s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromString(key));
        }
        s3.putObject(b -> b.bucket(bucket).key("incoming/plain.csv"), RequestBody.fromString("x"));

        // Act: pages of 2 so that page boundaries and continuation fall on the awkward keys.
        List<String> listed = new ArrayList<>();
        new RangeListing(s3, bucket, Layout.defaults(), 2).files(Optional.empty(), Optional.empty())
                .forEachRemaining(f -> listed.add(f.key()));

        // Assert
        List<String> expected = new ArrayList<>(AWKWARD);
        expected.add("incoming/plain.csv");
        assertThat(listed).containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void files_splitIntoRangesAtAwkwardKeys_eachKeyInExactlyOneRange() {
        List<String> keys = new ArrayList<>(AWKWARD);
        for (int i = 0; i < 6; i++) {
            keys.add("incoming/f" + i + ".csv");
        }
        for (String key : keys) {
            s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromString("x"));
        }
        List<String> sorted = new ArrayList<>(keys);
        sorted.sort(KeyOrder.UTF8);
        RangeListing listing = new RangeListing(s3, bucket, Layout.defaults(), 2);

        // Boundaries on the awkward keys themselves: upper bounds inclusive, lower bounds exclusive.
        List<String> listed = new ArrayList<>();
        Optional<String> after = Optional.empty();
        for (int cut : new int[] {1, 3, 5, 8}) {
            Optional<String> upTo = Optional.of(sorted.get(cut));
            listing.files(after, upTo).forEachRemaining(f -> listed.add(f.key()));
            after = upTo;
        }
        listing.files(after, Optional.empty()).forEachRemaining(f -> listed.add(f.key()));

        assertThat(listed).containsExactlyElementsOf(sorted);
    }
}
