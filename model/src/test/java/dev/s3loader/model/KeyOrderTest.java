package dev.s3loader.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class KeyOrderTest {
    @Test
    void compare_anyTwoKeys_agreesWithTheirUtf8Bytes() {
        Random random = new Random(7);
        int[] pool = {0x01, 'a', 'z', 0x7F, 0xE9, 0x7FF, 0x800, 0xE000, 0xFF01, 0xFFFD, 0x1F600, 0x10FFFF};
        for (int n = 0; n < 20_000; n++) {
            String a = random(random, pool);
            String b = random(random, pool);
            int expected = Integer.signum(Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8)));
            assertThat(Integer.signum(KeyOrder.compare(a, b))).as(a + " vs " + b).isEqualTo(expected);
        }
        // Where Java's own order is wrong for S3:
        assertThat("\uFF01".compareTo("\uD83D\uDE00")).isPositive();
        assertThat(KeyOrder.compare("\uFF01", "\uD83D\uDE00")).isNegative();
    }

    private static String random(Random random, int[] pool) {
        StringBuilder s = new StringBuilder();
        int len = random.nextInt(4);
        for (int i = 0; i < len; i++) {
            s.appendCodePoint(pool[random.nextInt(pool.length)]);
        }
        return s.toString();
    }
}
