package dev.s3loader.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ListerStateTest {
    @Test
    void encode_awkwardKeys_roundTrip() {
        TreeMap<String, InFlight> m = new TreeMap<>();
        m.put("incoming/a\tb\nc", new InFlight("\"e1\"", Instant.ofEpochMilli(1), 1));
        m.put("incoming/😀 ünï \"q\" \u0000", new InFlight("\"e2-3\"", Instant.ofEpochMilli(2), 4));
        m.put("incoming/" + "x".repeat(1015), new InFlight("e3", Instant.ofEpochMilli(3), 2));

        ListerState decoded = ListerState.decode(new ListerState(m).encode());

        assertThat(decoded.entries()).isEqualTo(m);
    }

    @Test
    void encode_atTheDefaultBound_staysAFewMegabytes() {
        TreeMap<String, InFlight> m = new TreeMap<>();
        for (int i = 0; i < 100_000; i++) {
            m.put("incoming/2026/11/23/producer-" + (i % 50) + "/file-" + i + ".csv",
                    new InFlight("\"" + Integer.toHexString(i * 7919) + "0123456789abcdef0123\"", Instant.now(), 1));
        }
        byte[] encoded = new ListerState(m).encode();

        assertThat(encoded.length).isLessThan(8 * 1024 * 1024);
        assertThat(ListerState.decode(encoded).size()).isEqualTo(100_000);
    }

    @Test
    void decode_garbage_isRefused() {
        assertThatThrownBy(() -> ListerState.decode(new byte[] {1, 2, 3})).isInstanceOf(RuntimeException.class);
    }
}
