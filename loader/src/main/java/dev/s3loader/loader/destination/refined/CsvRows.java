package dev.s3loader.loader.destination.refined;

import dev.s3loader.model.CsvOptions;
import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * CSV as PostgreSQL's COPY reads it: fields split on the delimiter, a quoted field may hold the
 * delimiter, line breaks and a doubled quote; an unquoted field equal to CSV_NULL is NULL, a quoted
 * one never is. Lines end in LF or CRLF; a last line without one counts.
 */
final class CsvRows implements RowSource {
    private final Reader in;
    private final CsvOptions csv;
    private final int columns;
    private long line = 1;
    private long row;
    private boolean headerSkipped;
    private int peeked = -2;

    CsvRows(Reader in, CsvOptions csv, int columns) {
        this.in = in;
        this.csv = csv;
        this.columns = columns;
    }

    @Override
    public RawRow next() throws IOException, BadRowException {
        if (csv.header() && !headerSkipped) {
            headerSkipped = true;
            if (record() == null) {
                return null;
            }
        }
        long startLine = line;
        List<Object> fields = record();
        if (fields == null) {
            return null;
        }
        row++;
        if (fields.size() != columns) {
            throw new BadRowException("row " + row + " (line " + startLine + ") has " + fields.size() + " field"
                    + (fields.size() == 1 ? "" : "s") + ", REFINED_COLUMNS names " + columns,
                    Map.of("row", Long.toString(row), "line", Long.toString(startLine),
                            "fields", Integer.toString(fields.size()), "columns", Integer.toString(columns)));
        }
        return new RawRow(row, startLine, fields);
    }

    /** One record's fields (String, or null for CSV_NULL), or null at the end of the input. */
    private List<Object> record() throws IOException, BadRowException {
        int c = read();
        if (c == -1) {
            return null;
        }
        List<Object> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        boolean wasQuoted = false;
        long recordLine = line;
        while (true) {
            if (quoted) {
                if (c == -1) {
                    throw new BadRowException("row " + (row + 1) + " (line " + recordLine + "): a quoted field is not closed"
                            + " before the end of the file", Map.of("row", Long.toString(row + 1), "line", Long.toString(recordLine)));
                }
                if (c == csv.quote()) {
                    int n = read();
                    if (n == csv.quote()) {
                        field.append((char) n);
                    } else {
                        quoted = false;
                        c = n;
                        continue;
                    }
                } else {
                    if (c == '\n') {
                        line++;
                    }
                    field.append((char) c);
                }
                c = read();
                continue;
            }
            if (c == csv.quote() && field.isEmpty() && !wasQuoted) {
                quoted = true;
                wasQuoted = true;
            } else if (c == csv.delimiter()) {
                fields.add(value(field, wasQuoted));
                field.setLength(0);
                wasQuoted = false;
            } else if (c == '\n' || c == -1) {
                if (c == '\n') {
                    line++;
                }
                fields.add(value(field, wasQuoted));
                return fields;
            } else if (c == '\r') {
                int n = read();
                if (n != '\n') {
                    unread(n);
                    field.append('\r');
                } else {
                    c = n;
                    continue;
                }
            } else {
                field.append((char) c);
            }
            c = read();
        }
    }

    private Object value(StringBuilder field, boolean wasQuoted) {
        String s = field.toString();
        return !wasQuoted && s.equals(csv.nullString()) ? null : s;
    }

    private int read() throws IOException {
        if (peeked != -2) {
            int p = peeked;
            peeked = -2;
            return p;
        }
        return in.read();
    }

    private void unread(int c) {
        peeked = c;
    }

    @Override
    public String toString() {
        return "CsvRows" + Arrays.asList(csv.delimiter(), csv.quote());
    }
}
