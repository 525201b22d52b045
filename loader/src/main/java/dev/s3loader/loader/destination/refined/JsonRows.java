package dev.s3loader.loader.destination.refined;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.s3loader.model.RefinedColumn;
import java.io.BufferedReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** JSON lines: one object per line, keys matched to the column names; a missing key is NULL, others ignored. Blank lines are skipped. */
final class JsonRows implements RowSource {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final BufferedReader in;
    private final List<RefinedColumn> columns;
    private long line;
    private long row;

    JsonRows(BufferedReader in, List<RefinedColumn> columns) {
        this.in = in;
        this.columns = columns;
    }

    @Override
    public RawRow next() throws IOException, BadRowException {
        String text;
        do {
            text = in.readLine();
            line++;
            if (text == null) {
                return null;
            }
        } while (text.isBlank());
        row++;
        JsonNode n;
        try {
            n = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw bad("is not JSON: " + e.getOriginalMessage());
        }
        if (n == null || !n.isObject()) {
            throw bad("is not a JSON object");
        }
        List<Object> values = new ArrayList<>(columns.size());
        for (RefinedColumn c : columns) {
            JsonNode v = n.get(c.name());
            values.add(v == null || v.isNull() ? null : v);
        }
        return new RawRow(row, line, values);
    }

    private BadRowException bad(String what) {
        return new BadRowException("row " + row + " (line " + line + ") " + what,
                Map.of("row", Long.toString(row), "line", Long.toString(line)));
    }
}
