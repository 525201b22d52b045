package dev.s3loader.embedded.redshift;

import dev.s3loader.embedded.redshift.SqlTokens.Kind;
import dev.s3loader.embedded.redshift.SqlTokens.Token;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A Redshift {@code COPY table [(columns)] FROM 's3://...' ...} statement, parsed. Only the
 * options s3loader and common loads use are accepted; anything else fails as a syntax error
 * rather than being silently ignored, and what Redshift itself refuses (no credentials, QUOTE
 * anywhere but right after CSV, as in {@code CSV [QUOTE [AS] 'c']}, IGNOREHEADER with JSON) is
 * refused here too.
 *
 * @param table   the target as SQL text ({@code "schema"."t"}), ready for PostgreSQL
 * @param columns quoted column names, or empty for all of the table's
 */
record CopyCommand(String table, String tableName, List<String> columns, String from, boolean manifest,
                   Format format, char delimiter, char quote, String nullAs, int ignoreHeader, Compression compression,
                   boolean jsonIgnoreCase, DateTimeFormats.Kind dateFormat, DateTimeFormats.Kind timeFormat,
                   Optional<String> region, Optional<String> iamRole) {

    enum Format { TEXT, CSV, JSON, PARQUET }

    /** What COPY from Parquet accepts (WITH belongs to WITH CREDENTIALS; the key words to CREDENTIALS' forms). */
    private static final java.util.Set<String> PARQUET_OPTIONS = java.util.Set.of("FORMAT", "IAM_ROLE", "CREDENTIALS", "WITH",
            "ACCESS_KEY_ID", "SECRET_ACCESS_KEY", "SESSION_TOKEN", "MANIFEST", "STATUPDATE", "ACCEPTINVCHARS", "FILLRECORD",
            "EXPLICIT_IDS");

    /** copy-parameters-file-compression: how every file of the COPY is compressed (LZOP is not emulated). */
    enum Compression { NONE, GZIP, BZIP2, ZSTD }

    private static final Pattern ROLE = Pattern.compile("arn:aws[a-z-]*:iam::\\d{12}:role/[\\w+=,.@/-]+(,arn:aws[a-z-]*:iam::\\d{12}:role/[\\w+=,.@/-]+)*");

    static boolean isCopy(String sql) {
        List<Token> t = SqlTokens.tokenize(sql);
        return !t.isEmpty() && t.getFirst().is("COPY");
    }

    static CopyCommand parse(String sql) {
        return new Parser(SqlTokens.tokenize(sql)).parse();
    }

    /** A syntax or option error, worded like the server's. */
    static final class Invalid extends RuntimeException {
        Invalid(String message) {
            super(message);
        }
    }

    private static final class Parser {
        private final List<Token> tokens;
        private int at;

        Parser(List<Token> tokens) {
            this.tokens = tokens;
        }

        CopyCommand parse() {
            expectWord("COPY");
            List<String> parts = new ArrayList<>();
            parts.add(identifier());
            while (peekPunct(".")) {
                at++;
                parts.add(identifier());
            }
            String table = String.join(".", parts.stream().map(Parser::quote).toList());
            List<String> columns = new ArrayList<>();
            if (peekPunct("(")) {
                at++;
                do {
                    columns.add(quote(identifier()));
                } while (acceptPunct(","));
                expectPunct(")");
            }
            expectWord("FROM");
            String from = string("FROM");
            if (!from.startsWith("s3://")) {
                throw new Invalid("COPY from this data source is not supported by the emulator: " + from);
            }

            boolean manifest = false;
            Compression compression = Compression.NONE;
            boolean credentials = false;
            boolean ignoreCase = false;
            Format format = Format.TEXT;
            Optional<Character> delimiter = Optional.empty();
            Optional<Character> quote = Optional.empty();
            Optional<String> nullAs = Optional.empty();
            int ignoreHeader = 0;
            DateTimeFormats.Kind dateFormat = DateTimeFormats.Kind.DEFAULT;
            DateTimeFormats.Kind timeFormat = DateTimeFormats.Kind.DEFAULT;
            Optional<String> region = Optional.empty();
            Optional<String> iamRole = Optional.empty();
            String accessKey = null;
            String secretKey = null;
            List<String> given = new ArrayList<>();
            while (at < tokens.size() && !peekPunct(";")) {
                Token t = next();
                String w = t.kind() == Kind.WORD ? t.text().toUpperCase(Locale.ROOT) : "";
                given.add(w);
                switch (w) {
                    case "IAM_ROLE" -> {
                        if (peekWord("DEFAULT")) {
                            at++;
                        } else {
                            String role = string("IAM_ROLE");
                            if (!ROLE.matcher(role).matches()) {
                                throw new Invalid("Invalid IAM_ROLE: '" + role + "' is not an IAM role ARN");
                            }
                            iamRole = Optional.of(role);
                        }
                        credentials = true;
                    }
                    case "CREDENTIALS", "WITH" -> {
                        if (w.equals("WITH")) {
                            expectWord("CREDENTIALS");
                        }
                        optionalAs();
                        String c = string("CREDENTIALS");
                        if (!c.contains("aws_iam_role=") && !(c.contains("aws_access_key_id=") && c.contains("aws_secret_access_key="))) {
                            throw new Invalid("Invalid credentials. Must be of the format: credentials "
                                    + "'aws_iam_role=...' or 'aws_access_key_id=...;aws_secret_access_key=...[;token=...]'");
                        }
                        credentials = true;
                    }
                    case "ACCESS_KEY_ID" -> {
                        optionalAs();
                        accessKey = string(w);
                    }
                    case "SECRET_ACCESS_KEY" -> {
                        optionalAs();
                        secretKey = string(w);
                    }
                    case "SESSION_TOKEN" -> {
                        optionalAs();
                        string(w);
                    }
                    case "REGION" -> {
                        optionalAs();
                        region = Optional.of(string(w));
                    }
                    case "DATEFORMAT" -> {
                        optionalAs();
                        dateFormat = DateTimeFormats.parse(w, string(w));
                    }
                    case "TIMEFORMAT" -> {
                        optionalAs();
                        timeFormat = DateTimeFormats.parse(w, string(w));
                    }
                    case "MANIFEST" -> manifest = true;
                    case "GZIP", "BZIP2", "ZSTD" -> {
                        if (compression != Compression.NONE) {
                            throw new Invalid("conflicting or redundant options: " + compression + " and " + w);
                        }
                        compression = Compression.valueOf(w);
                    }
                    case "LZOP" -> throw new Invalid(w + " is not supported by the emulator");
                    case "CSV" -> {
                        format = Format.CSV;
                        if (peekWord("QUOTE")) {
                            at++;
                            optionalAs();
                            quote = Optional.of(oneChar("QUOTE"));
                        }
                    }
                    case "FORMAT" -> {
                        optionalAs();
                        Token f = next();
                        if (f.is("CSV")) {
                            format = Format.CSV;
                            if (peekWord("QUOTE")) {
                                at++;
                                optionalAs();
                                quote = Optional.of(oneChar("QUOTE"));
                            }
                        } else if (f.is("JSON")) {
                            format = Format.JSON;
                            ignoreCase = jsonOption();
                        } else if (f.is("PARQUET")) {
                            format = Format.PARQUET;
                        } else {
                            throw new Invalid("FORMAT " + f.text() + " is not supported by the emulator");
                        }
                    }
                    case "JSON" -> {
                        format = Format.JSON;
                        ignoreCase = jsonOption();
                    }
                    case "DELIMITER" -> {
                        optionalAs();
                        delimiter = Optional.of(oneChar("DELIMITER"));
                    }
                    case "NULL" -> {
                        optionalAs();
                        nullAs = Optional.of(string("NULL AS"));
                    }
                    case "IGNOREHEADER" -> {
                        optionalAs();
                        Token n = next();
                        if (n.kind() != Kind.NUMBER) {
                            throw new Invalid("syntax error at or near \"" + n.raw() + "\"");
                        }
                        ignoreHeader = Integer.parseInt(n.text());
                    }
                    case "MAXERROR" -> {
                        optionalAs();
                        Token n = next();
                        if (n.kind() != Kind.NUMBER || Integer.parseInt(n.text()) != 0) {
                            throw new Invalid("MAXERROR other than 0 is not supported by the emulator");
                        }
                    }
                    case "COMPUPDATE", "STATUPDATE" -> {
                        if (peekWord("ON") || peekWord("OFF") || peekWord("TRUE") || peekWord("FALSE") || peekWord("PRESET")) {
                            at++;
                        }
                    }
                    default -> throw new Invalid("syntax error at or near \"" + t.raw() + "\"");
                }
            }
            if (accessKey != null || secretKey != null) {
                if (accessKey == null || secretKey == null) {
                    throw new Invalid("ACCESS_KEY_ID and SECRET_ACCESS_KEY must be given together");
                }
                credentials = true;
            }
            if (!credentials) {
                throw new Invalid("Missing credentials: COPY from Amazon S3 needs IAM_ROLE, CREDENTIALS or "
                        + "ACCESS_KEY_ID and SECRET_ACCESS_KEY");
            }
            if (format == Format.PARQUET) {
                // copy-usage_notes-copy-from-columnar: only these parameters; REGION is refused even for the
                // cluster's own region, and the file's types and page codecs leave no format or compression option.
                for (String w : given) {
                    if (!PARQUET_OPTIONS.contains(w)) {
                        throw new Invalid(w + " argument is not supported for PARQUET based COPY");
                    }
                }
            }
            if (format == Format.JSON && (delimiter.isPresent() || ignoreHeader > 0 || nullAs.isPresent())) {
                throw new Invalid("DELIMITER, IGNOREHEADER and NULL AS are not valid with JSON");
            }
            char d = delimiter.orElse(format == Format.CSV ? ',' : '|');
            char q = quote.orElse('"');
            if (format == Format.CSV && d == q) {
                throw new Invalid("CSV delimiter and quote must differ");
            }
            return new CopyCommand(table, parts.getLast(), List.copyOf(columns), from, manifest, format, d, q,
                    nullAs.orElse(format == Format.CSV ? "" : "\\N"), ignoreHeader, compression, ignoreCase, dateFormat,
                    timeFormat, region, iamRole);
        }

        private boolean jsonOption() {
            if (at < tokens.size() && tokens.get(at).kind() == Kind.STRING) {
                String v = next().text();
                if (v.equalsIgnoreCase("auto")) {
                    return false;
                }
                if (v.equalsIgnoreCase("auto ignorecase")) {
                    return true;
                }
                throw new Invalid("JSON '" + v + "': only 'auto' and 'auto ignorecase' are supported by the emulator");
            }
            throw new Invalid("JSON needs 'auto', 'auto ignorecase' or a JSONPaths file");
        }

        private char oneChar(String option) {
            String v = string(option);
            if (v.length() != 1) {
                throw new Invalid(option + " must be a single character, got '" + v + "'");
            }
            return v.charAt(0);
        }

        private void optionalAs() {
            if (peekWord("AS")) {
                at++;
            }
        }

        private String identifier() {
            Token t = next();
            if (t.kind() == Kind.IDENT) {
                return SqlTokens.foldAscii(t.text()); // r_names: delimited identifiers fold to lower case too
            }
            if (t.kind() == Kind.WORD) {
                return t.text().toLowerCase(Locale.ROOT); // unquoted names fold to lower case
            }
            throw new Invalid("syntax error at or near \"" + t.raw() + "\"");
        }

        private String string(String option) {
            Token t = next();
            if (t.kind() != Kind.STRING) {
                throw new Invalid("syntax error at or near \"" + t.raw() + "\" (" + option + " needs a quoted string)");
            }
            return t.text();
        }

        private Token next() {
            if (at >= tokens.size()) {
                throw new Invalid("syntax error at end of input");
            }
            return tokens.get(at++);
        }

        private void expectWord(String w) {
            Token t = next();
            if (!t.is(w)) {
                throw new Invalid("syntax error at or near \"" + t.raw() + "\"");
            }
        }

        private void expectPunct(String p) {
            Token t = next();
            if (!t.isPunct(p)) {
                throw new Invalid("syntax error at or near \"" + t.raw() + "\"");
            }
        }

        private boolean acceptPunct(String p) {
            if (peekPunct(p)) {
                at++;
                return true;
            }
            return false;
        }

        private boolean peekPunct(String p) {
            return at < tokens.size() && tokens.get(at).isPunct(p);
        }

        private boolean peekWord(String w) {
            return at < tokens.size() && tokens.get(at).is(w);
        }

        private static String quote(String identifier) {
            return '"' + identifier.replace("\"", "\"\"") + '"';
        }
    }
}
