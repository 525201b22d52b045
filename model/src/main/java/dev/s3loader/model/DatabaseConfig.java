package dev.s3loader.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What the {@code postgres} and {@code redshift} destinations read from the environment.
 * {@link #fromEnv} reads every variable whatever the destination (so a deployment's parameters are
 * all checked for form), and requires only what the chosen destination needs.
 *
 * @param table          the target table; present whenever the destination is a database
 * @param columns        the files' fields in order; empty means all of the table's columns
 * @param ledgerTable    one row per loaded (key, etag); created if missing
 * @param mergeKeys      the columns that identify a row in {@link LoadMode#MERGE}
 * @param preSql         one statement run in the load's transaction before the load
 * @param postSql        one statement run in the load's transaction after it (and after the merge)
 * @param maxConcurrency loads this process runs against the database at once, at most
 * @param loadTimeout    how long one batch may take before its outcome counts as unknown
 * @param redshiftDateFormat COPY's DATEFORMAT ('auto' by default: automatic-recognition)
 * @param redshiftTimeFormat COPY's TIMEFORMAT ('auto' by default; 'epochsecs' or 'epochmillisecs' for numbers)
 * @param csvHeaderMatch  CSV_HEADER=match: each file's header names its columns, mapped by {@link ColumnMatch}
 * @param extraColumns    a file column the table lacks (CSV_HEADER=match, JSON keys): fail or ignore
 */
public record DatabaseConfig(Optional<TableName> table, List<String> columns, TableName ledgerTable,
                             FileFormat format, CsvOptions csv, Compression compression, LoadMode mode,
                             List<String> mergeKeys, Optional<String> preSql, Optional<String> postSql,
                             int maxConcurrency, Duration loadTimeout, PostgresConnection postgres,
                             RedshiftTarget redshift, String redshiftDateFormat, String redshiftTimeFormat,
                             boolean csvHeaderMatch, ExtraColumns extraColumns) {

    /** PostgreSQL truncates longer identifiers silently; refusing them is kinder. */
    static final int POSTGRES_MAX_IDENTIFIER_BYTES = 63;
    static final int REDSHIFT_MAX_IDENTIFIER_BYTES = 127;
    private static final Pattern IAM_ROLE = Pattern.compile("arn:aws[a-z-]*:iam::\\d{12}:role/\\S+(,arn:aws[a-z-]*:iam::\\d{12}:role/\\S+)*");

    /** COPY's DATEFORMAT / TIMEFORMAT: 'auto', epochs, or a format string (copy-parameters-data-conversion). */
    private static final Pattern COPY_FORMAT = Pattern.compile("[A-Za-z0-9 :./,-]{1,40}");

    public static final Map<String, String> VARIABLES = variables();

    private static Map<String, String> variables() {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("DB_TABLE", "postgres/redshift: target table, [schema.]table, used as written (required for both)");
        v.put("DB_COLUMNS", "postgres/redshift: comma-separated columns the files' fields load into, in order (default: all columns of the table)");
        v.put("DB_LEDGER_TABLE", "postgres/redshift: [schema.]table recording each loaded (key, etag); created if missing (default: s3loader_ledger)");
        v.put("FILE_FORMAT", "postgres/redshift: csv, json (one object per line, keys matched to column names) or parquet "
                + "(postgres: fields matched to column names; redshift: COPY FORMAT AS PARQUET, by position) (default: csv)");
        v.put("CSV_DELIMITER", "postgres/redshift: field delimiter, one ASCII character or \\t (default: ,)");
        v.put("CSV_QUOTE", "postgres/redshift: quote character (default: \")");
        v.put("CSV_HEADER", "postgres/redshift: true if each file's first line is a header to skip (columns by position); "
                + "match (postgres only): the header names the columns, matched to the table's by name, exactly or else "
                + "ignoring case; a file lacking a NOT NULL column without a default, or naming one the table lacks, goes "
                + "to failed/ naming it (default: false)");
        v.put("EXTRA_COLUMNS", "postgres: a CSV_HEADER=match column, JSON key or Parquet field the table lacks: fail (the file "
                + "goes to failed/ naming it) or ignore (default: fail with CSV_HEADER=match, ignore for json and parquet; "
                + "redshift: ignore only)");
        v.put("CSV_NULL", "postgres/redshift: an unquoted field equal to this is NULL (default: empty field)");
        v.put("COMPRESSION", "postgres/redshift: auto (by the key's extension, case ignored: .gz gzip, .zst zstd, .bz2 "
                + "bzip2, else none), gzip, zstd, bzip2 or none (default: auto)");
        v.put("LOAD_MODE", "postgres/redshift: append or merge (staging table, replace rows matching MERGE_KEYS) (default: append)");
        v.put("MERGE_KEYS", "postgres/redshift: comma-separated key columns for LOAD_MODE=merge (required then)");
        v.put("PRE_SQL", "postgres/redshift: one SQL statement run in the load transaction before the load; never one that commits or cannot run in a transaction (TRUNCATE, VACUUM, COMMIT, ...) (default: none)");
        v.put("POST_SQL", "postgres/redshift: one SQL statement run in the load transaction after it; the same statements refused as for PRE_SQL (default: none)");
        v.put("MAX_CONCURRENCY", "postgres/redshift: loads one process runs against the database at once (default: 2; across Lambdas the event source mapping's MaximumConcurrency caps it)");
        v.put("LOAD_TIMEOUT_SECONDS", "postgres/redshift: how long one batch load may take before its outcome is treated as unknown and resolved from the ledger (default: 600)");
        v.put("DB_URL", "postgres: JDBC URL jdbc:postgresql://host:port/db[?sslmode=...] (required unless DB_SECRET_ARN)");
        v.put("DB_USER", "postgres: user (unless in DB_SECRET_ARN); redshift: database user for temporary credentials on a provisioned cluster (neither it nor DB_SECRET_ARN: the IAM identity)");
        v.put("DB_PASSWORD", "postgres: password (unless in DB_SECRET_ARN; prefer the secret on AWS)");
        v.put("DB_SECRET_ARN", "postgres: Secrets Manager secret {host,port,dbname,username,password}; redshift: the Data API's SecretArn");
        v.put("DB_NAME", "redshift: database name (required for redshift)");
        v.put("DB_CONNECT_TIMEOUT_SECONDS", "postgres: connection timeout (default: 10)");
        v.put("DB_SSL_MODE", "postgres: verify-full (TLS, the server's certificate must chain to DB_SSL_ROOT_CERT and name the host), "
                + "verify-ca (chain only) or disable (no TLS: a server on this machine only) (default: verify-full)");
        v.put("DB_SSL_ROOT_CERT", "postgres: path of the PEM file of the CA certificates the server's certificate must chain to; "
                + "for Amazon RDS and Aurora, AWS's global-bundle.pem (required unless DB_SSL_MODE=disable)");
        v.put("REDSHIFT_CLUSTER_ID", "redshift: provisioned cluster identifier (this or REDSHIFT_WORKGROUP)");
        v.put("REDSHIFT_WORKGROUP", "redshift: Serverless workgroup name (this or REDSHIFT_CLUSTER_ID)");
        v.put("REDSHIFT_IAM_ROLE", "redshift: ARN of the role COPY uses to read the bucket (required for redshift)");
        v.put("REDSHIFT_DATEFORMAT", "redshift: COPY's DATEFORMAT, e.g. YYYY-MM-DD or MM/DD/YYYY (default: auto, which also "
                + "reads ISO 8601)");
        v.put("REDSHIFT_TIMEFORMAT", "redshift: COPY's TIMEFORMAT, e.g. epochsecs, epochmillisecs or YYYY-MM-DD HH:MI:SS "
                + "(default: auto, which reads ISO 8601 with T and Z but not epoch numbers)");
        return java.util.Collections.unmodifiableMap(v);
    }

    public DatabaseConfig {
        columns = List.copyOf(columns);
        mergeKeys = List.copyOf(mergeKeys);
    }

    public TableName requireTable() {
        return table.orElseThrow(() -> new ConfigException("DB_TABLE is required but not set"));
    }

    /** Reads all database variables; checks requiredness and limits only for {@code destination}. */
    public static DatabaseConfig fromEnv(Env env, DestinationKind destination) {
        Optional<TableName> table = env.optional("DB_TABLE").map(v -> TableName.parse("DB_TABLE", v));
        List<String> columns = TableName.columns("DB_COLUMNS", env.optional("DB_COLUMNS"));
        TableName ledger = TableName.parse("DB_LEDGER_TABLE", env.string("DB_LEDGER_TABLE", "s3loader_ledger"));
        FileFormat format = env.choice("FILE_FORMAT", FileFormat.class, FileFormat.CSV);
        char delimiter = CsvOptions.parseChar("CSV_DELIMITER", env.string("CSV_DELIMITER", ","));
        char quote = CsvOptions.parseChar("CSV_QUOTE", env.string("CSV_QUOTE", "\""));
        boolean headerMatch = env.optional("CSV_HEADER").filter(v -> v.equalsIgnoreCase("match")).isPresent();
        boolean header = headerMatch || boolValue(env, "CSV_HEADER", "true, false or match");
        ExtraColumns extras = env.choice("EXTRA_COLUMNS", ExtraColumns.class,
                format == FileFormat.JSON || format == FileFormat.PARQUET ? ExtraColumns.IGNORE : ExtraColumns.FAIL);
        boolean extrasSet = env.optional("EXTRA_COLUMNS").isPresent();
        String nullString = env.string("CSV_NULL", "");
        Compression compression = env.choice("COMPRESSION", Compression.class, Compression.AUTO);
        LoadMode mode = env.choice("LOAD_MODE", LoadMode.class, LoadMode.APPEND);
        List<String> mergeKeys = TableName.columns("MERGE_KEYS", env.optional("MERGE_KEYS"));
        Optional<String> preSql = env.optional("PRE_SQL");
        Optional<String> postSql = env.optional("POST_SQL");
        int maxConcurrency = env.integer("MAX_CONCURRENCY", 2, 1, 100);
        Duration loadTimeout = env.seconds("LOAD_TIMEOUT_SECONDS", Duration.ofSeconds(600), 1, 43_200);
        PostgresConnection postgres = new PostgresConnection(env.optional("DB_URL"), env.optional("DB_USER"),
                env.optional("DB_PASSWORD"), env.optional("DB_SECRET_ARN"),
                env.seconds("DB_CONNECT_TIMEOUT_SECONDS", Duration.ofSeconds(10), 1, 300),
                env.optional("DB_SSL_MODE").map(v -> PostgresSslMode.parse("DB_SSL_MODE", v)).orElse(PostgresSslMode.VERIFY_FULL),
                env.optional("DB_SSL_ROOT_CERT").map(Path::of));
        RedshiftTarget redshift = new RedshiftTarget(env.optional("REDSHIFT_CLUSTER_ID"),
                env.optional("REDSHIFT_WORKGROUP"), env.optional("DB_NAME"), postgres.secretArn(), postgres.user(),
                env.optional("REDSHIFT_IAM_ROLE"));

        String dateFormat = env.string("REDSHIFT_DATEFORMAT", "auto");
        String timeFormat = env.string("REDSHIFT_TIMEFORMAT", "auto");
        // The parquet destination reads CSV too, with the same dialect.
        boolean database = destination == DestinationKind.POSTGRES || destination == DestinationKind.REDSHIFT
                || destination == DestinationKind.PARQUET;
        // The CSV dialect is only checked where it is used: a copy deployment may carry any defaults.
        CsvOptions csv = database ? new CsvOptions(delimiter, quote, header, nullString) : CsvOptions.defaults();
        DatabaseConfig config = new DatabaseConfig(table, columns, ledger, format, csv, compression, mode, mergeKeys,
                preSql, postSql, maxConcurrency, loadTimeout, postgres, redshift, dateFormat, timeFormat, headerMatch, extras);
        if (database) {
            config.validateDrift(destination, extrasSet);
        }
        switch (destination) {
            case POSTGRES -> config.validatePostgres();
            case REDSHIFT -> config.validateRedshift();
            case COPY, PARQUET -> { }
        }
        return config;
    }

    /** CSV_HEADER's booleans, with a message that also offers match. */
    private static boolean boolValue(Env env, String name, String allowed) {
        try {
            return env.bool(name, false);
        } catch (ConfigException e) {
            throw new ConfigException(name + " must be " + allowed + ", got '" + env.optional(name).orElse("") + "'");
        }
    }

    /** CSV_HEADER=match and EXTRA_COLUMNS: where they apply, and what Redshift cannot do. */
    private void validateDrift(DestinationKind destination, boolean extrasSet) {
        if (csvHeaderMatch && format != FileFormat.CSV) {
            throw new ConfigException("CSV_HEADER applies to FILE_FORMAT=csv only");
        }
        if (csvHeaderMatch && !columns.isEmpty()) {
            throw new ConfigException("CSV_HEADER=match maps columns by each file's header: unset DB_COLUMNS "
                    + "(or use CSV_HEADER=true to load by position into DB_COLUMNS)");
        }
        if (extrasSet && !csvHeaderMatch && format != FileFormat.JSON && format != FileFormat.PARQUET) {
            throw new ConfigException("EXTRA_COLUMNS applies to CSV_HEADER=match, FILE_FORMAT=json and FILE_FORMAT=parquet only: with CSV_HEADER="
                    + (csv.header() ? "true" : "false") + " columns are loaded by position");
        }
        if (destination == DestinationKind.REDSHIFT && csvHeaderMatch) {
            throw new ConfigException("CSV_HEADER=match is supported by DESTINATION postgres only: Redshift's COPY maps "
                    + "CSV fields by position; use CSV_HEADER=true with DB_COLUMNS in the files' order");
        }
        if (destination == DestinationKind.REDSHIFT && format == FileFormat.PARQUET && extraColumns == ExtraColumns.FAIL) {
            throw new ConfigException("EXTRA_COLUMNS=fail is supported by DESTINATION postgres only: Redshift's COPY "
                    + "FORMAT AS PARQUET maps columns by position; unset EXTRA_COLUMNS");
        }
        if (destination == DestinationKind.REDSHIFT && format == FileFormat.JSON && extraColumns == ExtraColumns.FAIL) {
            throw new ConfigException("EXTRA_COLUMNS=fail is supported by DESTINATION postgres only: Redshift's COPY "
                    + "JSON 'auto' ignores keys the table lacks; unset EXTRA_COLUMNS");
        }
    }

    /** What both database destinations need. */
    private void validateCommon(int maxIdentifierBytes) {
        TableName t = requireTable();
        for (TableName n : List.of(t, ledgerTable)) {
            if (n.longestPartBytes() > maxIdentifierBytes) {
                throw new ConfigException("table name '" + n + "' has a part longer than " + maxIdentifierBytes + " bytes");
            }
        }
        for (String c : concat(columns, mergeKeys)) {
            if (TableName.bytes(c) > maxIdentifierBytes) {
                throw new ConfigException("column name '" + c + "' is longer than " + maxIdentifierBytes + " bytes");
            }
        }
        if (t.equals(ledgerTable)) {
            throw new ConfigException("DB_LEDGER_TABLE must not be the target table DB_TABLE");
        }
        if (mode == LoadMode.MERGE && mergeKeys.isEmpty()) {
            throw new ConfigException("MERGE_KEYS is required when LOAD_MODE is merge");
        }
        if (mode == LoadMode.APPEND && !mergeKeys.isEmpty()) {
            throw new ConfigException("MERGE_KEYS is set but LOAD_MODE is append; set LOAD_MODE=merge or unset MERGE_KEYS");
        }
        if (!columns.isEmpty() && !columns.containsAll(mergeKeys)) {
            throw new ConfigException("MERGE_KEYS " + mergeKeys + " must be among DB_COLUMNS " + columns);
        }
        if (format != FileFormat.CSV && csv.header()) {
            throw new ConfigException("CSV_HEADER applies to FILE_FORMAT=csv only");
        }
        preSql.flatMap(CommittingStatements::reason).ifPresent(r -> {
            throw new ConfigException("PRE_SQL is refused: " + r);
        });
        postSql.flatMap(CommittingStatements::reason).ifPresent(r -> {
            throw new ConfigException("POST_SQL is refused: " + r);
        });
    }

    private void validatePostgres() {
        validateCommon(POSTGRES_MAX_IDENTIFIER_BYTES);
        if (postgres.jdbcUrl().isEmpty() && postgres.secretArn().isEmpty()) {
            throw new ConfigException("DESTINATION postgres needs DB_URL or DB_SECRET_ARN");
        }
        // The URL is never quoted back: it may carry a password.
        postgres.jdbcUrl().ifPresent(u -> {
            if (!u.startsWith(JdbcUrls.PREFIX)) {
                throw new ConfigException("DB_URL must start with jdbc:postgresql: (jdbc:postgresql://host:port/db)");
            }
            List<String> tls = JdbcUrls.options(u).keySet().stream().filter(JdbcUrls.TLS_OPTIONS::contains).sorted().toList();
            if (!tls.isEmpty()) {
                throw new ConfigException("DB_URL sets " + String.join(", ", tls) + "; set DB_SSL_MODE and DB_SSL_ROOT_CERT "
                        + "instead, so that no URL can turn server verification off");
            }
        });
        if (postgres.sslMode().verifies()) {
            Path ca = postgres.sslRootCert().orElseThrow(() -> new ConfigException("DB_SSL_ROOT_CERT is required when "
                    + "DB_SSL_MODE is " + postgres.sslMode().setting() + (postgres.sslMode() == PostgresSslMode.VERIFY_FULL
                    ? " (the default)" : "") + ": the PEM file of the CA certificates the server's certificate must "
                    + "chain to (for Amazon RDS and Aurora, AWS's global-bundle.pem, from "
                    + "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem); for a server on this "
                    + "machine without TLS set DB_SSL_MODE=disable"));
            int certificates = certificates(ca);
            if (certificates == 0) {
                throw new ConfigException("DB_SSL_ROOT_CERT " + ca + " holds no PEM certificate");
            }
        }
    }

    private static int certificates(Path pem) {
        try (InputStream in = Files.newInputStream(pem)) {
            return CertificateFactory.getInstance("X.509").generateCertificates(in).size();
        } catch (IOException e) {
            throw new ConfigException("DB_SSL_ROOT_CERT " + pem + " cannot be read: " + e);
        } catch (CertificateException e) {
            throw new ConfigException("DB_SSL_ROOT_CERT " + pem + " is not a PEM file of certificates: " + e.getMessage());
        }
    }

    private void validateRedshift() {
        validateCommon(REDSHIFT_MAX_IDENTIFIER_BYTES);
        if (redshift.clusterId().isPresent() == redshift.workgroup().isPresent()) {
            throw new ConfigException("DESTINATION redshift needs exactly one of REDSHIFT_CLUSTER_ID (provisioned) "
                    + "and REDSHIFT_WORKGROUP (Serverless)");
        }
        if (redshift.database().isEmpty()) {
            throw new ConfigException("DB_NAME is required but not set (the Redshift database)");
        }
        String role = redshift.iamRole().orElseThrow(() -> new ConfigException(
                "REDSHIFT_IAM_ROLE is required but not set (the role COPY uses to read the files)"));
        if (!role.equals("default") && !IAM_ROLE.matcher(role).matches()) {
            throw new ConfigException("REDSHIFT_IAM_ROLE must be a role ARN (arn:aws:iam::123456789012:role/name) "
                    + "or default, got '" + role + "'");
        }
        for (Map.Entry<String, String> f : Map.of("REDSHIFT_DATEFORMAT", redshiftDateFormat,
                "REDSHIFT_TIMEFORMAT", redshiftTimeFormat).entrySet()) {
            if (!COPY_FORMAT.matcher(f.getValue()).matches()) {
                throw new ConfigException(f.getKey() + " must be auto, epochsecs, epochmillisecs or a format string of "
                        + "letters, digits, blanks and - / : . , (at most 40 characters), got '" + f.getValue() + "'");
            }
        }
        if (redshiftDateFormat.toLowerCase(java.util.Locale.ROOT).startsWith("epoch")) {
            throw new ConfigException("REDSHIFT_DATEFORMAT cannot be " + redshiftDateFormat + ": epochsecs and "
                    + "epochmillisecs are TIMEFORMAT values");
        }
        if (redshift.secretArn().isPresent() && redshift.dbUser().isPresent()) {
            throw new ConfigException("set DB_SECRET_ARN or DB_USER for Redshift, not both");
        }
        if (redshift.workgroup().isPresent() && redshift.dbUser().isPresent()) {
            throw new ConfigException("DB_USER (temporary credentials) applies to a provisioned cluster only; "
                    + "Serverless uses DB_SECRET_ARN or the caller's IAM identity");
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }
}
