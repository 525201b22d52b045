package dev.s3loader.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Map;
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
    void encode_withAPassUnderWay_roundTrips() {
        TreeMap<String, InFlight> m = new TreeMap<>(Map.of("incoming/a", new InFlight("e", Instant.ofEpochMilli(5), 2)));
        ListingPass pass = new ListingPass(List.of("incoming/m", "incoming/\uD83D\uDE00"),
                List.of(ListingPass.DONE, "incoming/q\u0001", ListingPass.NOT_STARTED), 42, 4200,
                Instant.ofEpochMilli(7), List.of(List.of("incoming/b"), List.of(), List.of("incoming/z", "incoming/zz")),
                List.of(1L, 2L, 4L), new ListingPass.Totals(10, 100, null));

        ListerState decoded = ListerState.decode(new ListerState(m, pass).encode());

        assertThat(decoded.entries()).isEqualTo(m);
        assertThat(decoded.pass()).contains(pass);
    }

    @Test
    void decode_aVersion1Object_readsItsEntriesWithoutAPass() throws Exception {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (var out = new java.io.DataOutputStream(new java.util.zip.GZIPOutputStream(bytes))) {
            out.writeInt(0x53334c31);
            out.writeInt(1);
            out.writeUTF("incoming/a");
            out.writeUTF("e");
            out.writeLong(5);
            out.writeInt(1);
        }

        ListerState decoded = ListerState.decode(bytes.toByteArray());

        assertThat(decoded.entries()).containsOnlyKeys("incoming/a");
        assertThat(decoded.pass()).isEmpty();
    }

    @Test
    void decode_garbage_isRefused() {
        assertThatThrownBy(() -> ListerState.decode(new byte[] {1, 2, 3})).isInstanceOf(RuntimeException.class);
    }
}
