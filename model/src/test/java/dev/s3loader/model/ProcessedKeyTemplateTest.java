package dev.s3loader.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ProcessedKeyTemplateTest {
    private static final Instant AT = Instant.parse("2026-03-07T23:59:59.999Z");

    private static Layout layout(String template) {
        return Layout.fromEnv(new Env(Map.of("PROCESSED_KEY_TEMPLATE", template)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"a.csv", "dir/sub/a b.csv", "q'uote\"s.csv", "plus+%2F#?&=.csv", "ünï/😀.csv", "a//b",
            "trailing ", " leading", "ctl\u0001\r\t.csv", "2026/01/01/looks-partitioned.csv", "{yyyy}/{key}"})
    void processedKey_datedTemplate_rendersUtcDateAndKeepsTheKeyByteForByte(String rel) {
        Layout l = layout("{yyyy}/{MM}/{dd}/{HH}/{key}");

        String processed = l.processedKey("incoming/" + rel, AT).orElseThrow();

        assertThat(processed).isEqualTo("processed/2026/03/07/23/" + rel);
        assertThat(l.relativeOfProcessed(processed)).contains(rel);
    }

    @Test
    void processedKey_hiveTemplate_usesUtcWhateverTheDefaultZone() {
        Layout l = layout("year={yyyy}/month={MM}/day={dd}/{key}");
        // 23:30 in New York on 31 December is already 1 January in UTC.
        Instant at = Instant.parse("2027-01-01T04:30:00Z");

        assertThat(l.processedKey("incoming/x.csv", at)).contains("processed/year=2027/month=01/day=01/x.csv");
        assertThat(l.relativeOfProcessed("processed/year=2027/month=01/day=01/x.csv")).contains("x.csv");
    }

    @Test
    void processedKey_noTemplate_isTodaysProcessedKey() {
        Layout l = Layout.defaults();

        assertThat(l.processedKey("incoming/a/b.csv", AT)).contains("processed/a/b.csv");
        assertThat(l.relativeOfProcessed("processed/a/b.csv")).contains("a/b.csv");
        assertThat(l.partitioned()).isFalse();
        assertThat(layout("{key}")).isEqualTo(Layout.defaults());
    }

    @Test
    void relativeOfProcessed_keyNotOfTheTemplate_isEmpty() {
        Layout l = layout("{yyyy}/{MM}/{dd}/{key}");

        assertThat(l.relativeOfProcessed("processed/a.csv")).isEmpty();
        assertThat(l.relativeOfProcessed("processed/2026/3/07/a.csv")).isEmpty();
        assertThat(l.relativeOfProcessed("processed/2026-03/07/a.csv")).isEmpty();
        assertThat(l.relativeOfProcessed("processed/2026/03/07/")).isEmpty();
        assertThat(l.relativeOfProcessed("failed/2026/03/07/a.csv")).isEmpty();
        assertThat(l.relativeOfProcessed("processed/٢٠٢٦/03/07/a.csv")).isEmpty();
    }

    @Test
    void processedKey_templateMakesTheKeyTooLong_isEmptyWhateverTheTime() {
        Layout l = layout("{yyyy}/{MM}/{dd}/{key}");
        // fits processed/<rel> (1,024 bytes) but not processed/yyyy/MM/dd/<rel> (1,035 bytes)
        String key = "incoming/" + "k".repeat(Layout.MAX_KEY_BYTES - "processed/".length());

        assertThat(Layout.defaults().processedKey(key, AT)).isPresent();
        assertThat(l.processedKey(key, AT)).isEmpty();
        assertThat(l.processedKey(key, Instant.EPOCH)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"{yyyy}/{MM}/{dd}", "{key}/{yyyy}", "{yyyy}/{key}/{key}", "{YYYY}/{key}", "{yyyy/{key}",
            "{yyyy}}/{key}", "../{key}", "{yyyy}/../{key}", "/{key}", "{yyyy}//{key}", "a\u0000b/{key}",
            "{mm}/{key}", "x\\y/{key}"})
    void fromEnv_badTemplate_stopsStartUpNamingTheVariable(String template) {
        assertThatThrownBy(() -> layout(template))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("PROCESSED_KEY_TEMPLATE")
                .hasMessageContaining(template);
    }

    @Test
    void partitionOf_templateKey_isTheFixedWidthPartBeforeTheKey() {
        Layout l = layout("year={yyyy}/month={MM}/{key}");

        assertThat(l.partitioned()).isTrue();
        assertThat(l.processedPartition("processed/year=2026/month=11/a/b.csv")).contains("processed/year=2026/month=11/");
        assertThat(l.processedPartition("processed/year=2026/a.csv")).isEmpty();
    }
}
