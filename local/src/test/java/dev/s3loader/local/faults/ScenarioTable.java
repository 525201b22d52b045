package dev.s3loader.local.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The suite's table: per scenario the files dropped, the faults injected (counted where they
 * happened), and the lost and duplicated counts of the final check. Printed as each scenario ends
 * and appended to target/fault-suite.txt, so a long run leaves its table behind.
 */
final class ScenarioTable {
    record Row(String scenario, int files, String faults, long injected, long lost, long duplicated, String seconds) {
    }

    private static final List<Row> ROWS = new ArrayList<>();
    private static final Path FILE = Path.of("target", "fault-suite.txt");
    static final String HEADER = String.format("%-34s %6s %9s %5s %5s %6s  %s", "scenario", "files", "faults", "lost",
            "dupl.", "secs", "faults injected (counted)");

    private ScenarioTable() {
    }

    static synchronized void add(Row row) {
        ROWS.add(row);
        String line = String.format("%-34s %6d %9d %5d %5d %6s  %s", row.scenario(), row.files(), row.injected(),
                row.lost(), row.duplicated(), row.seconds(), row.faults());
        System.out.println(HEADER);
        System.out.println(line);
        try {
            Files.createDirectories(FILE.getParent());
            boolean fresh = !Files.exists(FILE);
            Files.writeString(FILE, (fresh ? HEADER + "\n" : "") + line + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static synchronized List<Row> rows() {
        return List.copyOf(ROWS);
    }
}
