package dev.s3loader.model;

/**
 * CSV dialect of the files. Characters are one ASCII byte (printable or tab): what both
 * PostgreSQL's and Redshift's COPY accept.
 *
 * @param header     the first line holds column names and is skipped
 * @param nullString an unquoted field equal to this is NULL (default: the empty field)
 */
public record CsvOptions(char delimiter, char quote, boolean header, String nullString) {

    public static CsvOptions defaults() {
        return new CsvOptions(',', '"', false, "");
    }

    public CsvOptions {
        checkChar("CSV_DELIMITER", delimiter);
        checkChar("CSV_QUOTE", quote);
        if (delimiter == quote) {
            throw new ConfigException("CSV_DELIMITER and CSV_QUOTE must differ, both are '" + delimiter + "'");
        }
        if (nullString.indexOf('\n') >= 0 || nullString.indexOf('\r') >= 0) {
            throw new ConfigException("CSV_NULL must not contain a line break");
        }
        if (nullString.indexOf(delimiter) >= 0 || nullString.indexOf(quote) >= 0) {
            throw new ConfigException("CSV_NULL must not contain the delimiter or the quote character");
        }
        if (nullString.length() > 100) {
            throw new ConfigException("CSV_NULL is longer than 100 characters");
        }
    }

    /** Reads one character: itself, or {@code \t} / {@code tab} for a tab (values are trimmed, so a raw tab cannot be set). */
    static char parseChar(String variable, String value) {
        if (value.equals("\\t") || value.equalsIgnoreCase("tab")) {
            return '\t';
        }
        if (value.length() != 1) {
            throw new ConfigException(variable + " must be one character (or \\t for a tab), got '" + value + "'");
        }
        return value.charAt(0);
    }

    private static void checkChar(String variable, char c) {
        if (c != '\t' && (c < 0x20 || c > 0x7e)) {
            throw new ConfigException(variable + " must be a printable ASCII character or a tab, got U+"
                    + String.format("%04X", (int) c));
        }
    }
}
