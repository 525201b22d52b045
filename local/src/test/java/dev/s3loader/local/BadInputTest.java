package dev.s3loader.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.s3loader.model.ConfigException;
import dev.s3loader.model.ListerConfig;
import dev.s3loader.model.LoaderConfig;
import dev.s3loader.model.PollerConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The README's "Bad input" table is a promise: each row's input, given to the function it names,
 * stops start-up with exactly the message in the row. This test reads the table from the README, so
 * the two cannot drift apart.
 */
class BadInputTest {
    record Row(String function, Map<String, String> variables, String message) {
        @Override
        public String toString() {
            return function + " " + variables;
        }
    }

    static Stream<Row> rows() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("..", "README.md"), StandardCharsets.UTF_8);
        int start = lines.indexOf("### Bad input at start-up");
        assertThat(start).as("README section '### Bad input at start-up'").isPositive();
        List<Row> rows = new ArrayList<>();
        for (int i = start + 1; i < lines.size() && !lines.get(i).startsWith("#"); i++) {
            String line = lines.get(i);
            if (!line.startsWith("| `") || line.startsWith("|---")) {
                continue;
            }
            String[] cells = line.split(" \\| ");
            String function = unquote(cells[0].substring(2));
            Map<String, String> vars = new HashMap<>();
            for (String assignment : unquote(cells[1]).split(" (?=[A-Z_]+=)")) {
                int eq = assignment.indexOf('=');
                vars.put(assignment.substring(0, eq), assignment.substring(eq + 1));
            }
            String message = unquote(cells[2].substring(0, cells[2].length() - 2));
            rows.add(new Row(function, vars, message));
        }
        assertThat(rows).as("rows of the bad-input table").hasSizeGreaterThan(10);
        return rows.stream();
    }

    private static String unquote(String cell) {
        String c = cell.strip();
        return c.startsWith("`") && c.endsWith("`") ? c.substring(1, c.length() - 1).replace("\\|", "|") : c;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void startUp_badInput_stopsWithTheMessageTheReadmeShows(Row row) {
        Consumer<Map<String, String>> start = switch (row.function()) {
            case "lister" -> ListerConfig::fromEnv;
            case "loader" -> LoaderConfig::fromEnv;
            case "poller" -> PollerConfig::fromEnv;
            default -> throw new AssertionError("unknown function in README table: " + row.function());
        };

        assertThatThrownBy(() -> start.accept(row.variables()))
                .isInstanceOf(ConfigException.class)
                .hasMessage(row.message());
    }
}
