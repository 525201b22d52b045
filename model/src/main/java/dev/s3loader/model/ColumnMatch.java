package dev.s3loader.model;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The drift rule: how the columns a file names (a CSV header, JSON keys, a Parquet schema) meet
 * the table's. A file column matches the table column of exactly its name, else (when
 * {@code ignoreCase}) the one table column equal to it ignoring case; it is refused when it
 * matches none (unless extras are ignored), matches two ignoring case, or is named twice. The
 * table columns a file lacks load their default, or NULL, except a required column (NOT NULL
 * without a default), whose absence refuses the file. Every refusal names the column.
 */
public final class ColumnMatch {
    /** A column of the table; {@code required} when it is NOT NULL and has no default (nor identity). */
    public record TableColumn(String name, boolean required) {
    }

    /** Why a file cannot load, and the column that says so. */
    public record Refusal(String column, String reason) {
    }

    /** The outcome for one file's columns. */
    public sealed interface Result {
        /** Each file column's table column, in the file's order; empty for an ignored extra column. */
        record Mapped(List<Optional<String>> targets) implements Result {
            /** The table columns loaded, in the file's order. */
            public List<String> loaded() {
                return targets.stream().flatMap(Optional::stream).toList();
            }

            /** Whether any file column is left out. */
            public boolean dropsAny() {
                return targets.stream().anyMatch(Optional::isEmpty);
            }
        }

        record Refused(Refusal refusal) implements Result {
        }
    }

    private final List<TableColumn> table;
    private final boolean ignoreCase;
    private final ExtraColumns extras;

    public ColumnMatch(List<TableColumn> table, boolean ignoreCase, ExtraColumns extras) {
        this.table = List.copyOf(table);
        this.ignoreCase = ignoreCase;
        this.extras = extras;
    }

    public ExtraColumns extras() {
        return extras;
    }

    /** The table columns a file must name: NOT NULL without a default. */
    public List<String> required() {
        return table.stream().filter(TableColumn::required).map(TableColumn::name).toList();
    }

    /** Maps a file's columns (all of them, in order) to the table's, or refuses the file naming a column. */
    public Result match(List<String> fileColumns) {
        List<Optional<String>> targets = new ArrayList<>();
        Set<String> named = new HashSet<>();
        Set<String> loaded = new HashSet<>();
        for (String c : fileColumns) {
            if (!named.add(c)) {
                return refused(c, "column \"" + c + "\" is named twice");
            }
            Optional<String> target;
            try {
                target = target(c);
            } catch (Ambiguous a) {
                return refused(c, a.getMessage());
            }
            if (target.isEmpty() && extras == ExtraColumns.FAIL) {
                return refused(c, unknownReason(c));
            }
            if (target.isPresent() && !loaded.add(target.get())) {
                return refused(c, "column \"" + c + "\" names table column \"" + target.get()
                        + "\" a second time (names are matched ignoring case)");
            }
            targets.add(target);
        }
        for (String r : required()) {
            if (!loaded.contains(r)) {
                return refused(r, missingReason(r));
            }
        }
        return new Result.Mapped(targets);
    }

    /** The first of these names (in their order) that is no column of the table; never one when extras are ignored. */
    public Optional<Refusal> unknown(List<String> names) {
        if (extras == ExtraColumns.IGNORE) {
            return Optional.empty();
        }
        for (String c : names) {
            try {
                if (target(c).isEmpty()) {
                    return Optional.of(new Refusal(c, unknownReason(c)));
                }
            } catch (Ambiguous a) {
                return Optional.of(new Refusal(c, a.getMessage()));
            }
        }
        return Optional.empty();
    }

    /** The reason a file lacking this required column is refused. */
    public static String missingReason(String column) {
        return "the file lacks column \"" + column + "\", which is NOT NULL without a default";
    }

    private static String unknownReason(String column) {
        return "column \"" + column + "\" is not a column of the table (EXTRA_COLUMNS=ignore loads the file without it)";
    }

    private static Result.Refused refused(String column, String reason) {
        return new Result.Refused(new Refusal(column, reason));
    }

    private Optional<String> target(String fileColumn) {
        for (TableColumn t : table) {
            if (t.name().equals(fileColumn)) {
                return Optional.of(t.name());
            }
        }
        if (!ignoreCase) {
            return Optional.empty();
        }
        String folded = fileColumn.toLowerCase(Locale.ROOT);
        List<String> found = table.stream().map(TableColumn::name)
                .filter(n -> n.toLowerCase(Locale.ROOT).equals(folded)).toList();
        if (found.size() > 1) {
            throw new Ambiguous("column \"" + fileColumn + "\" matches table columns " + found
                    + " ignoring case: name one exactly");
        }
        return found.stream().findFirst();
    }

    private static final class Ambiguous extends RuntimeException {
        Ambiguous(String message) {
            super(message, null, false, false);
        }
    }
}
