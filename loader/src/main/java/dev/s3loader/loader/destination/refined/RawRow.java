package dev.s3loader.loader.destination.refined;

import java.util.List;

/**
 * One row as read, before conversion: per column a {@code String} (CSV), a Jackson {@code JsonNode}
 * (JSON lines) or null.
 *
 * @param row  the row's number among the file's data rows, from 1
 * @param line the line it starts on, from 1 (a quoted CSV field may span lines)
 */
record RawRow(long row, long line, List<Object> values) {
}
