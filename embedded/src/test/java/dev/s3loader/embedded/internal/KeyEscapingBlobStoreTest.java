package dev.s3loader.embedded.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KeyEscapingBlobStoreTest {
    @ParameterizedTest
    @ValueSource(strings = {"a//b", "//lead", "a///b", "a/", "a//", "/", "%E", "a/%E/b", "%", "%25", "100%/x",
            "plain/key.csv", "ünï/😀", "a%2F//%E%25/", "./x", "a/../b", "..", "a/./", "%D1/%D2", "...", ".x/.."})
    void escape_thenUnescape_givesTheKeyBack(String key) {
        String stored = KeyEscapingBlobStore.escape(key);

        assertThat(KeyEscapingBlobStore.unescape(stored)).isEqualTo(key);
        assertThat(stored.substring(0, Math.max(0, stored.length() - 1))).doesNotContain("//");
        assertThat(stored.split("/")).doesNotContain(".", "..");
    }
}
