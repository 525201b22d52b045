package dev.s3loader.lister.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3loader.model.KeyOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PassListingTest {
    @Test
    void orderSafe_anyKeyAgainstTheBoundary_comparesTheSameInUtf8AndUtf16Order() {
        Random random = new Random(11);
        int[] pool = {'a', 'z', 0xE9, 0x7FF, 0xD7FF, 0xE000, 0xFF01, 0xFFFD, 0x1F600, 0x10FFFF};
        for (int n = 0; n < 20_000; n++) {
            String boundary = PassListing.orderSafe(random(random, pool));
            String key = random(random, pool);

            assertThat(boundary.chars()).allMatch(c -> c < 0xD800);
            assertThat(Integer.signum(key.compareTo(boundary))).as(key + " vs " + boundary)
                    .isEqualTo(Integer.signum(KeyOrder.compare(key, boundary)));
        }
        assertThat(PassListing.orderSafe("incoming/a\uFF01b")).isEqualTo("incoming/a");
        assertThat(PassListing.orderSafe("incoming/plain")).isEqualTo("incoming/plain");
    }

    private static String random(Random random, int[] pool) {
        StringBuilder s = new StringBuilder("incoming/");
        int len = random.nextInt(4);
        for (int i = 0; i < len; i++) {
            s.appendCodePoint(pool[random.nextInt(pool.length)]);
        }
        return s.toString();
    }
}
