package dev.s3loader.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ListerRunTest {
    private static final Instant START = Instant.parse("2026-11-30T18:00:00Z");

    @Test
    void toJson_okRun_roundTrips() {
        ListerRun run = ListerRun.ok(START, START.plusMillis(1234),
                new ListerRun.Figures(250, 100, 3, 240, 2, 150, 250, 4096, 61, false));

        ListerRun back = ListerRun.fromJson(run.toJson());

        assertThat(back).isEqualTo(run);
        assertThat(run.toJson()).contains("\"outcome\" : \"ok\"", "\"error\" : null");
    }

    @Test
    void toJson_failedRun_keepsTheMessageAndNoFigures() {
        ListerRun run = ListerRun.failed(START, START.plusSeconds(2), "queue \"q\"\nunreachable: " + "x".repeat(5000));

        ListerRun back = ListerRun.fromJson(run.toJson());

        assertThat(back.ok()).isFalse();
        assertThat(back.figures()).isEmpty();
        assertThat(back.error().orElseThrow()).startsWith("queue \"q\"\nunreachable: ").hasSize(ListerRun.MAX_ERROR_CHARS + 1);
        assertThat(back).isEqualTo(run);
    }

    @Test
    void fromJson_notARecord_saysSo() {
        assertThatThrownBy(() -> ListerRun.fromJson("{\"a\": 1}")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a lister run record");
        assertThatThrownBy(() -> ListerRun.fromJson("<html>")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void stuck_onlyWhenDueAndDispatchedMaxAttemptsTimes() {
        Duration requeueAfter = Duration.ofMinutes(60);
        InFlight fifth = new InFlight("e", START, 5);

        assertThat(fifth.stuck(START.plus(requeueAfter), requeueAfter, 5)).isTrue();
        assertThat(fifth.stuck(START.plus(requeueAfter).minusMillis(1), requeueAfter, 5)).as("not due yet").isFalse();
        assertThat(fifth.stuck(START.plus(requeueAfter), requeueAfter, 6)).as("attempts left").isFalse();
    }

    @Test
    void listerLastRunKey_underTheInternalPrefix() {
        assertThat(Layout.defaults().listerLastRunKey()).isEqualTo("_s3loader/lister/last-run.json");
    }
}
