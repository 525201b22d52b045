package dev.s3loader.loader.destination.postgres;

import dev.s3loader.model.CsvOptions;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A CSV file's header line, read off the front of its stream (quoted names, doubled quotes and
 * quoted line breaks included), and the stream to load with the line put back in front, so that
 * COPY's HEADER skips it and its line numbers stay the file's. The line is bounded: a file
 * without a line break in its first {@link #MAX_BYTES} is refused, not buffered.
 *
 * @param names  the header's column names as written (UTF-8, a leading byte order mark dropped), empty for an empty file
 * @param stream the whole file again, header first
 */
record CsvHeader(List<String> names, InputStream stream) {
    static final int MAX_BYTES = 1 << 20;

    static CsvHeader read(InputStream in, CsvOptions csv) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        List<String> names = new ArrayList<>();
        ByteArrayOutputStream field = new ByteArrayOutputStream();
        boolean quoted = false;
        boolean justClosed = false;
        boolean any = false;
        int b;
        while ((b = in.read()) >= 0) {
            any = true;
            line.write(b);
            if (line.size() > MAX_BYTES) {
                throw new IOException("the header line is longer than " + MAX_BYTES + " bytes");
            }
            if (b == csv.quote()) {
                if (quoted) {
                    quoted = false;
                    justClosed = true;
                } else {
                    if (justClosed) {
                        field.write(b); // a doubled quote inside a quoted name is one quote
                    }
                    quoted = true;
                    justClosed = false;
                }
                continue;
            }
            justClosed = false;
            if (!quoted && b == '\n') {
                break;
            }
            if (!quoted && b == csv.delimiter()) {
                names.add(field.toString(StandardCharsets.UTF_8));
                field.reset();
                continue;
            }
            field.write(b);
        }
        if (!any) {
            return new CsvHeader(List.of(), new ByteArrayInputStream(new byte[0]));
        }
        String last = field.toString(StandardCharsets.UTF_8);
        names.add(last.endsWith("\r") ? last.substring(0, last.length() - 1) : last);
        if (names.getFirst().startsWith("\uFEFF")) {
            // A byte order mark (spreadsheets write one) is no part of the first name; COPY skips the whole line anyway.
            names.set(0, names.getFirst().substring(1));
        }
        return new CsvHeader(List.copyOf(names), new SequenceInputStream(new ByteArrayInputStream(line.toByteArray()), in));
    }
}
