package dev.s3loader.loader.destination;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3loader.model.FileMessage;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LedgerSettlementTest {
    private static final FileMessage A = file("a");
    private static final FileMessage B = file("b");
    private static final FileMessage C = file("c");

    @Test
    void settle_allInTheLedger_allLoaded() {
        // Act
        LedgerSettlement.Settled s = LedgerSettlement.settle(List.of(A, B), f -> true, "lost");

        // Assert
        assertThat(s.found()).isEqualTo(LedgerSettlement.Found.ALL);
        assertThat(s.results()).allMatch(r -> r instanceof LoadResult.Loaded);
    }

    @Test
    void settle_noneInTheLedger_allHandedBackWithTheReason() {
        // Act
        LedgerSettlement.Settled s = LedgerSettlement.settle(List.of(A, B), f -> false, "no final status");

        // Assert
        assertThat(s.found()).isEqualTo(LedgerSettlement.Found.NONE);
        assertThat(s.results()).allSatisfy(r -> assertThat(r).isInstanceOfSatisfying(LoadResult.Retry.class,
                t -> assertThat(t.reason()).startsWith("no final status")));
    }

    @Test
    void settle_partInTheLedger_eachFileByWhatTheLedgerSays_inOrder() {
        // Arrange: another worker loaded b meanwhile.
        Set<FileMessage> inLedger = Set.of(B);

        // Act
        LedgerSettlement.Settled s = LedgerSettlement.settle(List.of(A, B, C), inLedger::contains, "lost");

        // Assert
        assertThat(s.found()).isEqualTo(LedgerSettlement.Found.PART);
        assertThat(s.results()).extracting(LoadResult::file).containsExactly(A, B, C);
        assertThat(s.results().get(0)).isInstanceOf(LoadResult.Retry.class);
        assertThat(s.results().get(1)).isInstanceOf(LoadResult.Loaded.class);
        assertThat(s.results().get(2)).isInstanceOf(LoadResult.Retry.class);
    }

    private static FileMessage file(String name) {
        return new FileMessage("bucket", "incoming/" + name, "\"etag-" + name + "\"", 1, Instant.EPOCH);
    }
}
