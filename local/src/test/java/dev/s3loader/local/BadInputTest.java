package dev.s3loader.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.s3loader.embedded.DocPages;
import dev.s3loader.model.ConfigException;
import dev.s3loader.model.ListerConfig;
import dev.s3loader.model.LoaderConfig;
import dev.s3loader.model.PollerConfig;
import dev.s3loader.ops.S3LoaderCommand;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The "Bad input at start-up" table of docs/configuration.md is a promise: each row's input, given to the
 * function it names, stops start-up with exactly the message in the row. This test reads the table from the page, so
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
        List<String> lines = DocPages.section("configuration.md", "Bad input at start-up");
        List<Row> rows = new ArrayList<>();
        // The table's own rows: the sub-section after it (scripts/local's refusals) has a table of its own.
        for (int i = 0; i < lines.size() && !lines.get(i).startsWith("#"); i++) {
            String line = lines.get(i);
            if (!line.startsWith("| `") || line.startsWith("|---")) {
                continue;
            }
            String[] cells = line.split(" \\| ");
            String function = unquote(cells[0].substring(2));
            Map<String, String> vars = new HashMap<>();
            String assignments = unquote(cells[1]);
            for (String assignment : assignments.isEmpty() || assignments.equals("(none)") ? new String[0]
                    : assignments.split(" (?=[A-Z_0-9]+=)")) {
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
    void startUp_badInput_stopsWithTheMessageTheDocsShow(Row row, @TempDir Path dir) {
        if (row.function().startsWith("s3loader ")) {
            // The operator's command: the cell after the verb is its command line; the message is its one line on stderr.
            String[] args = row.function().substring("s3loader ".length()).split(" ");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int status = S3LoaderCommand.run(args, row.variables(), new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isEqualTo(2);
            assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo(row.message() + "\n");
            return;
        }
        Consumer<Map<String, String>> start = switch (row.function()) {
            case "lister" -> ListerConfig::fromEnv;
            case "loader" -> LoaderConfig::fromEnv;
            case "poller" -> PollerConfig::fromEnv;
            // scripts/local: the whole runtime, on a data folder of its own; nothing may start or be written.
            case "local" -> env -> {
                Path data = dir.resolve("data");
                new LocalRuntime(new LocalRuntime.Options(data, 0, 0, 0, "s3loader-local", java.time.Duration.ofHours(1),
                        data.resolve("metrics")), env).close();
            };
            default -> throw new AssertionError("unknown function in the bad-input table: " + row.function());
        };

        assertThatThrownBy(() -> start.accept(row.variables()))
                .isInstanceOf(ConfigException.class)
                .hasMessage(row.message());
        if (row.function().equals("local")) {
            assertThat(dir.resolve("data")).as("a refused start writes nothing").doesNotExist();
        }
    }
}
