package dev.s3loader.embedded.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KeyEscapingBlobStoreTest {
    @ParameterizedTest
    @ValueSource(strings = {"a//b", "//lead", "a///b", "a/", "a//", "/", "%E", "a/%E/b", "%", "%25", "100%/x",
            "plain/key.csv", "ünï/😀", "a%2F//%E%25/", "./x", "a/../b", "..", "a/./", "%D1/%D2", "...", ".x/..",
            "a/x-0f8fad5b-d4cb-4e6f-a3e1-9e2b5e0c7f31", "x%2D0f8fad5b-d4cb-4e6f-a3e1-9e2b5e0c7f31", "%2D", "%252D", "%2E",
            ".mpus-1/.s3proxy-slash", ".s3proxy-versions/a", "ctl\u0001/cr\r/tab\t/trailing ", "-", "%", "%2"})
    void escape_thenUnescape_givesTheKeyBack(String key) {
        String stored = KeyEscapingBlobStore.escape(key);

        assertThat(KeyEscapingBlobStore.unescape(stored)).isEqualTo(key);
        assertThat(stored.substring(0, Math.max(0, stored.length() - 1))).doesNotContain("//");
        assertThat(stored.split("/")).doesNotContain(".", "..");
        assertThat(UnfinishedWrites.isTemporary(stored)).as("stored %s looks like a temporary file", stored).isFalse();
        assertThat(stored.split("/")).noneMatch(s -> s.startsWith(".mpus-") || s.startsWith(".s3proxy-"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"a-0f8fad5b-d4cb-4e6f-a3e1-9e2b5e0c7f31", "p3/f001667.csv-0f8fad5b-d4cb-4e6f-a3e1-9e2b5e0c7f31",
            "%E/x%2D0f8fad5b-d4cb-4e6f-a3e1-9e2b5e0c7f31-0f8fad5b-d4cb-4e6f-a3e1-9e2b5e0c7f31"})
    void isTemporary_nameAsTheBackEndWritesIt_true(String stored) {
        assertThat(UnfinishedWrites.isTemporary(stored)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "x", "x/a-0f8fad5b-d4cb-4e6f-a3e1-9e2b5e0c7f31/", "k\u0001ey", "\r\t "})
    void token_roundTrip_opaqueAndXmlSafe(String stored) {
        String token = KeyEscapingBlobStore.toToken(stored);

        assertThat(KeyEscapingBlobStore.fromToken(token)).isEqualTo(stored);
        assertThat(token).matches("[A-Za-z0-9_-]+");
    }
}
