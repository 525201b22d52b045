package dev.s3loader.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LayoutTest {
    private final Layout layout = Layout.defaults();

    @ParameterizedTest
    @ValueSource(strings = {"a.csv", "dir/sub/a b.csv", "q'uote\"s.csv", "plus+%2F#?&=.csv", "ünï/😀.csv", "a//b",
            "trailing ", " leading", "semi;colon--.csv"})
    void processedKey_anyKey_keepsTheRelativePartByteForByte(String rel) {
        String key = "incoming/" + rel;

        assertThat(layout.processedKey(key, java.time.Instant.EPOCH)).contains("processed/" + rel);
        assertThat(layout.failedKey(key)).contains("failed/" + rel);
        assertThat(layout.errorReportKey(key)).isEqualTo("_s3loader/reports/keys/" + rel + ".error.json");
        assertThat(layout.reportedIncomingKey(layout.errorReportKey(key))).contains(key);
    }

    @Test
    void processedKey_fullLengthKey_doesNotFitButFailedDoes() {
        String key = "incoming/" + "k".repeat(Layout.MAX_KEY_BYTES - "incoming/".length());
        assertThat(Layout.utf8Length(key)).isEqualTo(1024);

        assertThat(layout.processedKey(key, java.time.Instant.EPOCH)).isEmpty();
        assertThat(layout.failedKey(key)).isPresent();
        String report = layout.errorReportKey(key);
        assertThat(report).startsWith("_s3loader/reports/hashed/").endsWith(".error.json");
        assertThat(Layout.utf8Length(report)).isLessThanOrEqualTo(Layout.MAX_KEY_BYTES);
    }

    @Test
    void errorReportKey_ofAFileNamedLikeAReport_neverTakesAFilesKey() {
        // incoming/x.csv.error.json fails to failed/x.csv.error.json; the report of incoming/x.csv must not land there.
        String report = layout.errorReportKey("incoming/x.csv");
        String otherFile = layout.failedKey("incoming/x.csv.error.json").orElseThrow();

        assertThat(report).isNotEqualTo(otherFile);
        assertThat(report).doesNotStartWith(layout.failed()).doesNotStartWith(layout.incoming())
                .doesNotStartWith(layout.processed());
    }

    @Test
    void processedKey_multibyteKey_countsUtf8BytesNotChars() {
        // 339 three-byte characters: 1,017 bytes + "incoming/" = 1,026 bytes, though only 348 chars.
        String key = "incoming/" + "€".repeat(339);
        assertThat(layout.processedKey(key, java.time.Instant.EPOCH)).isEmpty();
    }

    @Test
    void relative_keyOutsideIncoming_isRefused() {
        assertThatThrownBy(() -> layout.relative("processed/a")).isInstanceOf(IllegalArgumentException.class);
        assertThat(layout.isIncoming("incoming/")).isFalse();
    }

    @Test
    void fromEnv_nestedPrefixes_stopsStartUpNamingBoth() {
        Env env = new Env(Map.of("PROCESSED_PREFIX", "incoming/done/"));

        assertThatThrownBy(() -> Layout.fromEnv(env))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("INCOMING_PREFIX").hasMessageContaining("PROCESSED_PREFIX");
    }

    @Test
    void fromEnv_prefixWithoutSlash_getsOne() {
        Layout l = Layout.fromEnv(new Env(Map.of("INCOMING_PREFIX", "in")));
        assertThat(l.incoming()).isEqualTo("in/");
    }
}
