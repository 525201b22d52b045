package dev.s3loader.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ColumnMatchTest {
    private static final List<ColumnMatch.TableColumn> TABLE = List.of(
            new ColumnMatch.TableColumn("id", true),
            new ColumnMatch.TableColumn("name", false),
            new ColumnMatch.TableColumn("amount", false));

    private static ColumnMatch.Refusal refused(ColumnMatch.Result r) {
        assertThat(r).isInstanceOf(ColumnMatch.Result.Refused.class);
        return ((ColumnMatch.Result.Refused) r).refusal();
    }

    @Test
    void match_reorderedAndCaseDiffering_mapsInFileOrder() {
        ColumnMatch.Result r = new ColumnMatch(TABLE, true, ExtraColumns.FAIL).match(List.of("Amount", "ID", "name"));

        assertThat(((ColumnMatch.Result.Mapped) r).loaded()).containsExactly("amount", "id", "name");
    }

    @Test
    void match_missingRequiredColumn_refusedNamingIt() {
        ColumnMatch.Refusal r = refused(new ColumnMatch(TABLE, true, ExtraColumns.FAIL).match(List.of("name")));

        assertThat(r.column()).isEqualTo("id");
        assertThat(r.reason()).contains("\"id\"").contains("NOT NULL");
    }

    @Test
    void match_missingNullableColumn_loads() {
        ColumnMatch.Result r = new ColumnMatch(TABLE, true, ExtraColumns.FAIL).match(List.of("id"));

        assertThat(((ColumnMatch.Result.Mapped) r).loaded()).containsExactly("id");
    }

    @Test
    void match_unknownColumn_refusedUnlessIgnored() {
        ColumnMatch.Refusal r = refused(new ColumnMatch(TABLE, true, ExtraColumns.FAIL).match(List.of("id", "colour")));
        ColumnMatch.Result ignored = new ColumnMatch(TABLE, true, ExtraColumns.IGNORE).match(List.of("id", "colour"));

        assertThat(r.column()).isEqualTo("colour");
        assertThat(r.reason()).contains("EXTRA_COLUMNS=ignore");
        assertThat(((ColumnMatch.Result.Mapped) ignored).targets()).containsExactly(Optional.of("id"), Optional.empty());
    }

    @Test
    void match_caseSensitive_caseDifferingNameIsUnknown() {
        ColumnMatch.Refusal r = refused(new ColumnMatch(TABLE, false, ExtraColumns.FAIL).match(List.of("ID")));

        assertThat(r.column()).isEqualTo("ID");
    }

    @Test
    void match_duplicateOrAmbiguous_refusedNamingIt() {
        List<ColumnMatch.TableColumn> twoCases = List.of(new ColumnMatch.TableColumn("Id", false),
                new ColumnMatch.TableColumn("id", false));

        assertThat(refused(new ColumnMatch(TABLE, true, ExtraColumns.FAIL).match(List.of("id", "id"))).reason())
                .contains("named twice");
        assertThat(refused(new ColumnMatch(TABLE, true, ExtraColumns.FAIL).match(List.of("id", "ID"))).column())
                .isEqualTo("ID");
        assertThat(refused(new ColumnMatch(twoCases, true, ExtraColumns.FAIL).match(List.of("ID"))).reason())
                .contains("ignoring case");
        assertThat(new ColumnMatch(twoCases, true, ExtraColumns.FAIL).match(List.of("id")))
                .isInstanceOf(ColumnMatch.Result.Mapped.class);
    }

    @Test
    void unknown_firstUnknownInOrder_noneWhenIgnored() {
        assertThat(new ColumnMatch(TABLE, false, ExtraColumns.FAIL).unknown(List.of("id", "x", "y")))
                .map(ColumnMatch.Refusal::column).contains("x");
        assertThat(new ColumnMatch(TABLE, false, ExtraColumns.IGNORE).unknown(List.of("x"))).isEmpty();
    }
}
