package dev.s3loader.ops.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.s3loader.loader.destination.LedgerRow;
import dev.s3loader.model.KeyOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeyOrderTest {
    @Test
    void compare_supplementaryCharacterAgainstPrivateUse_followsUtf8BytesNotUtf16() {
        String emoji = "a\uD83D\uDE00"; // U+1F600: UTF-8 F0 9F 98 80
        String privateUse = "a\uE000"; // U+E000: UTF-8 EE 80 80

        assertThat(emoji.compareTo(privateUse)).as("UTF-16 order").isNegative();
        assertThat(KeyOrder.compare(emoji, privateUse)).as("UTF-8 byte order").isPositive();
        assertThat(Arrays.compareUnsigned(emoji.getBytes(StandardCharsets.UTF_8), privateUse.getBytes(StandardCharsets.UTF_8)))
                .isPositive();
    }

    @Test
    void compare_prefixSortsFirst() {
        assertThat(KeyOrder.compare("a", "a/b")).isNegative();
        assertThat(KeyOrder.compare("a-b", "a/b")).isNegative();
        assertThat(KeyOrder.compare("x", "x")).isZero();
    }

    @Test
    void ledgerRows_outOfOrder_stopsTheJoinNamingBothKeys() {
        Iterator<LedgerRow> rows = List.of(new LedgerRow("incoming/b", "e"), new LedgerRow("incoming/a", "e")).iterator();
        StageJoin.LedgerRows ledger = new StageJoin.LedgerRows(rows, "incoming/");

        assertThatThrownBy(ledger::takeEtags).isInstanceOf(ListingOrderException.class)
                .hasMessageContaining("the ledger is not in UTF-8 byte order: 'incoming/a' came after 'incoming/b'");
    }
}
