package dev.s3loader.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class DatabaseConfigTest {
    private static final String ROLE = "arn:aws:iam::123456789012:role/copy";

    private static Map<String, String> env(String... kv) {
        Map<String, String> env = new HashMap<>(Map.of("BUCKET", "b"));
        for (int i = 0; i < kv.length; i += 2) {
            env.put(kv[i], kv[i + 1]);
        }
        return env;
    }

    /** Records every variable read, as a deployment check would. */
    private static final class Recording extends HashMap<String, String> {
        final Set<String> read = new TreeSet<>();

        Recording(Map<String, String> m) {
            super(m);
        }

        @Override
        public String get(Object key) {
            read.add(String.valueOf(key));
            return super.get(key);
        }
    }

    @Test
    void fromEnv_copyDestination_readsEveryDatabaseVariable_requiresNone() {
        // Arrange
        Recording env = new Recording(env());

        // Act
        LoaderConfig c = LoaderConfig.fromEnv(env);

        // Assert
        assertThat(env.read).containsAll(DatabaseConfig.VARIABLES.keySet());
        assertThat(LoaderConfig.VARIABLES).containsAllEntriesOf(DatabaseConfig.VARIABLES);
        assertThat(c.database().table()).isEmpty();
        assertThat(c.database().ledgerTable().name()).isEqualTo("s3loader_ledger");
        assertThat(c.database().maxConcurrency()).isEqualTo(2);
        assertThat(c.database().loadTimeout()).isEqualTo(Duration.ofSeconds(600));
    }

    @Test
    void fromEnv_postgres_defaultsAndRequiredVariables() {
        LoaderConfig c = LoaderConfig.fromEnv(env("DESTINATION", "postgres", "DB_SSL_MODE", "disable", "DB_TABLE", "analytics.events",
                "DB_URL", "jdbc:postgresql://h/db"));

        assertThat(c.database().requireTable().quoted()).isEqualTo("\"analytics\".\"events\"");
        assertThat(c.database().format()).isEqualTo(FileFormat.CSV);
        assertThat(c.database().csv()).isEqualTo(CsvOptions.defaults());
        assertThat(c.database().compression()).isEqualTo(Compression.AUTO);
        assertThat(c.database().mode()).isEqualTo(LoadMode.APPEND);
        assertThatThrownBy(() -> LoaderConfig.fromEnv(env("DESTINATION", "postgres", "DB_SSL_MODE", "disable", "DB_URL", "jdbc:postgresql://h/db")))
                .isInstanceOf(ConfigException.class).hasMessage("DB_TABLE is required but not set");
        assertThatThrownBy(() -> LoaderConfig.fromEnv(env("DESTINATION", "postgres", "DB_SSL_MODE", "disable", "DB_TABLE", "t")))
                .hasMessageContaining("DB_URL or DB_SECRET_ARN");
        assertThatThrownBy(() -> LoaderConfig.fromEnv(env("DESTINATION", "postgres", "DB_SSL_MODE", "disable", "DB_TABLE", "t", "DB_URL", "postgres://x")))
                .hasMessageContaining("jdbc:postgresql:");
        assertThat(LoaderConfig.fromEnv(env("DESTINATION", "postgres", "DB_SSL_MODE", "disable", "DB_TABLE", "t",
                "DB_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:db")).database().postgres().secretArn())
                .isPresent();
    }

    @Test
    void fromEnv_redshift_targetRoleAndDatabaseChecked() {
        String[] base = {"DESTINATION", "redshift", "DB_TABLE", "events", "DB_NAME", "dev", "REDSHIFT_IAM_ROLE", ROLE};

        LoaderConfig serverless = LoaderConfig.fromEnv(env(concat(base, "REDSHIFT_WORKGROUP", "wg")));
        LoaderConfig provisioned = LoaderConfig.fromEnv(env(concat(base, "REDSHIFT_CLUSTER_ID", "c", "DB_USER", "loader")));

        assertThat(serverless.database().redshift().workgroup()).contains("wg");
        assertThat(provisioned.database().redshift().dbUser()).contains("loader");
        assertThatThrownBy(() -> LoaderConfig.fromEnv(env(base))).hasMessageContaining("exactly one of REDSHIFT_CLUSTER_ID");
        assertThatThrownBy(() -> LoaderConfig.fromEnv(env(concat(base, "REDSHIFT_WORKGROUP", "wg", "REDSHIFT_CLUSTER_ID", "c"))))
                .hasMessageContaining("exactly one");
        assertThatThrownBy(() -> LoaderConfig.fromEnv(env(concat(base, "REDSHIFT_WORKGROUP", "wg", "REDSHIFT_IAM_ROLE", "copy-role"))))
                .hasMessageContaining("REDSHIFT_IAM_ROLE must be a role ARN");
        assertThatThrownBy(() -> LoaderConfig.fromEnv(env("DESTINATION", "redshift", "DB_TABLE", "t", "DB_NAME", "dev",
                "REDSHIFT_WORKGROUP", "wg"))).hasMessageContaining("REDSHIFT_IAM_ROLE is required");
        assertThatThrownBy(() -> LoaderConfig.fromEnv(env(concat(base, "REDSHIFT_WORKGROUP", "wg", "DB_USER", "u"))))
                .hasMessageContaining("provisioned cluster only");
    }

    @Test
    void fromEnv_preOrPostSqlThatCommits_refusedWithTheReason() {
        // r_TRUNCATE: "TRUNCATE commits the transaction in which it is run"; the load is one transaction.
        String[] base = {"DESTINATION", "redshift", "DB_TABLE", "events", "DB_NAME", "dev", "REDSHIFT_IAM_ROLE", ROLE,
                "REDSHIFT_WORKGROUP", "wg"};

        assertThatThrownBy(() -> LoaderConfig.fromEnv(env(concat(base, "PRE_SQL", "  truncate events"))))
                .hasMessageContaining("PRE_SQL is refused").hasMessageContaining("TRUNCATE commits");
        assertThatThrownBy(() -> LoaderConfig.fromEnv(env(concat(base, "POST_SQL", "DELETE FROM a; VACUUM events"))))
                .hasMessageContaining("POST_SQL is refused").hasMessageContaining("VACUUM");
        assertThatThrownBy(() -> LoaderConfig.fromEnv(env(concat(base, "POST_SQL", "COMMIT"))))
                .hasMessageContaining("POST_SQL is refused");
        assertThat(LoaderConfig.fromEnv(env(concat(base, "PRE_SQL", "DELETE FROM events WHERE day < current_date - 30",
                "POST_SQL", "UPDATE truncated_log SET at = getdate()"))).database().preSql()).isPresent();
    }

    @Test
    void fromEnv_redshiftDateAndTimeFormats_autoByDefault_checked() {
        String[] base = {"DESTINATION", "redshift", "DB_TABLE", "events", "DB_NAME", "dev", "REDSHIFT_IAM_ROLE", ROLE,
                "REDSHIFT_WORKGROUP", "wg"};

        DatabaseConfig defaults = LoaderConfig.fromEnv(env(base)).database();
        DatabaseConfig epoch = LoaderConfig.fromEnv(env(concat(base, "REDSHIFT_TIMEFORMAT", "epochsecs",
                "REDSHIFT_DATEFORMAT", "MM/DD/YYYY"))).database();

        assertThat(defaults.redshiftDateFormat()).isEqualTo("auto");
        assertThat(defaults.redshiftTimeFormat()).isEqualTo("auto");
        assertThat(epoch.redshiftTimeFormat()).isEqualTo("epochsecs");
        assertThat(epoch.redshiftDateFormat()).isEqualTo("MM/DD/YYYY");
        assertThatThrownBy(() -> LoaderConfig.fromEnv(env(concat(base, "REDSHIFT_TIMEFORMAT", "auto'; DROP TABLE x; --"))))
                .hasMessageContaining("REDSHIFT_TIMEFORMAT must be");
        assertThatThrownBy(() -> LoaderConfig.fromEnv(env(concat(base, "REDSHIFT_DATEFORMAT", "epochsecs"))))
                .hasMessageContaining("TIMEFORMAT values");
    }

    @Test
    void fromEnv_mergeNeedsKeysAmongTheColumns() {
        String[] base = {"DESTINATION", "postgres", "DB_SSL_MODE", "disable", "DB_TABLE", "t", "DB_URL", "jdbc:postgresql://h/db"};

        assertThatThrownBy(() -> LoaderConfig.fromEnv(env(concat(base, "LOAD_MODE", "merge"))))
                .hasMessageContaining("MERGE_KEYS is required");
        assertThatThrownBy(() -> LoaderConfig.fromEnv(env(concat(base, "LOAD_MODE", "merge", "MERGE_KEYS", "id",
                "DB_COLUMNS", "name, amount")))).hasMessageContaining("must be among DB_COLUMNS");
        assertThat(LoaderConfig.fromEnv(env(concat(base, "LOAD_MODE", "MERGE", "MERGE_KEYS", "id, day"))).database().mergeKeys())
                .containsExactly("id", "day");
    }

    @Test
    void fromEnv_csvDialect_validatedForDatabasesOnly() {
        String[] base = {"DESTINATION", "postgres", "DB_SSL_MODE", "disable", "DB_TABLE", "t", "DB_URL", "jdbc:postgresql://h/db"};

        assertThat(LoaderConfig.fromEnv(env(concat(base, "CSV_DELIMITER", "\\t"))).database().csv().delimiter()).isEqualTo('\t');
        assertThatThrownBy(() -> LoaderConfig.fromEnv(env(concat(base, "CSV_DELIMITER", "||"))))
                .hasMessageContaining("CSV_DELIMITER must be one character");
        assertThatThrownBy(() -> LoaderConfig.fromEnv(env(concat(base, "CSV_QUOTE", ","))))
                .hasMessageContaining("must differ");
        assertThatThrownBy(() -> LoaderConfig.fromEnv(env(concat(base, "CSV_DELIMITER", "é"))))
                .hasMessageContaining("printable ASCII");
        assertThatThrownBy(() -> LoaderConfig.fromEnv(env(concat(base, "FILE_FORMAT", "json", "CSV_HEADER", "true"))))
                .hasMessageContaining("CSV_HEADER applies to FILE_FORMAT=csv only");
        assertThat(LoaderConfig.fromEnv(env("CSV_QUOTE", ",")).database().csv()).isEqualTo(CsvOptions.defaults());
        assertThatThrownBy(() -> LoaderConfig.fromEnv(env("FILE_FORMAT", "xml"))).hasMessageContaining("csv, json");
    }

    @Test
    void tableName_quotesAnyNameAndRefusesWhatPostgresWouldTruncate() {
        assertThat(TableName.parse("DB_TABLE", "we\"ird; DROP").quoted()).isEqualTo("\"we\"\"ird; DROP\"");
        assertThat(new TableName(Optional.of("s"), "t").toString()).isEqualTo("s.t");
        assertThatThrownBy(() -> TableName.parse("DB_TABLE", "a.b.c")).hasMessageContaining("DB_TABLE must be [schema.]table");
        assertThatThrownBy(() -> LoaderConfig.fromEnv(env("DESTINATION", "postgres", "DB_SSL_MODE", "disable", "DB_URL", "jdbc:postgresql://h/db",
                "DB_TABLE", "x".repeat(64)))).hasMessageContaining("longer than 63 bytes");
    }

    @Test
    void fromEnv_postgresTls_verifyFullByDefault_needsTheCaFile_andNoUrlCanTurnItOff() throws Exception {
        // Arrange
        String[] base = {"DESTINATION", "postgres", "DB_TABLE", "t"};
        java.nio.file.Path empty = java.nio.file.Files.createTempFile("no-certs", ".pem");
        java.nio.file.Path ca = java.nio.file.Files.createTempFile("ca", ".pem");
        // Any real certificate will do: the JDK's own trust store has plenty.
        java.security.KeyStore cacerts = java.security.KeyStore.getInstance(
                java.nio.file.Path.of(System.getProperty("java.home"), "lib", "security", "cacerts").toFile(),
                "changeit".toCharArray());
        java.security.cert.Certificate any = cacerts.getCertificate(cacerts.aliases().nextElement());
        java.nio.file.Files.writeString(ca, "-----BEGIN CERTIFICATE-----\n"
                + java.util.Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(any.getEncoded())
                + "\n-----END CERTIFICATE-----\n");

        // Act + Assert
        assertThatThrownBy(() -> LoaderConfig.fromEnv(env(concat(base, "DB_URL", "jdbc:postgresql://h/db"))))
                .hasMessageContaining("DB_SSL_ROOT_CERT is required when DB_SSL_MODE is verify-full (the default)");
        assertThatThrownBy(() -> LoaderConfig.fromEnv(env(concat(base, "DB_URL", "jdbc:postgresql://h/db",
                "DB_SSL_ROOT_CERT", empty.toString())))).hasMessageContaining("DB_SSL_ROOT_CERT").hasMessageContaining("no PEM certificate");
        assertThatThrownBy(() -> LoaderConfig.fromEnv(env(concat(base, "DB_URL", "jdbc:postgresql://h/db",
                "DB_SSL_ROOT_CERT", "/nonexistent/ca.pem")))).hasMessageContaining("DB_SSL_ROOT_CERT /nonexistent/ca.pem cannot be read");
        assertThatThrownBy(() -> LoaderConfig.fromEnv(env(concat(base, "DB_URL", "jdbc:postgresql://h/db",
                "DB_SSL_MODE", "require")))).hasMessageContaining("DB_SSL_MODE must be one of verify-full, verify-ca, disable");
        assertThatThrownBy(() -> LoaderConfig.fromEnv(env(concat(base, "DB_SSL_ROOT_CERT", ca.toString(),
                "DB_URL", "jdbc:postgresql://h/db?password=Sup3rS3cret&sslmode=disable"))))
                .hasMessageContaining("DB_URL sets sslmode").hasMessageNotContaining("Sup3rS3cret");
        assertThatThrownBy(() -> LoaderConfig.fromEnv(env(concat(base, "DB_URL", "postgresql://u:Sup3rS3cret@h/db"))))
                .hasMessageContaining("DB_URL must start with jdbc:postgresql:").hasMessageNotContaining("Sup3rS3cret");
        PostgresConnection verified = LoaderConfig.fromEnv(env(concat(base, "DB_SSL_ROOT_CERT", ca.toString(),
                "DB_URL", "jdbc:postgresql://h:5432/db?password=Sup3rS3cret", "DB_PASSWORD", "An0therS3cret")))
                .database().postgres();
        assertThat(verified.sslMode()).isEqualTo(PostgresSslMode.VERIFY_FULL);
        assertThat(verified.sslRootCert()).contains(ca);
        assertThat(verified.toString()).contains("postgresql://h:5432/db").doesNotContain("Sup3rS3cret", "An0therS3cret");
        assertThat(LoaderConfig.fromEnv(env(concat(base, "DB_URL", "jdbc:postgresql://h/db", "DB_SSL_MODE", "disable")))
                .database().postgres().sslMode()).isEqualTo(PostgresSslMode.DISABLE);
    }

    @Test
    void jdbcUrls_describeAndStripCredentials() {
        assertThat(JdbcUrls.describe("jdbc:postgresql://h:5432/db?user=u&password=p%26w")).isEqualTo("postgresql://h:5432/db");
        assertThat(JdbcUrls.describe("jdbc:postgresql://u:pw@h/db")).isEqualTo("postgresql://h/db");
        assertThat(JdbcUrls.withoutCredentials("jdbc:postgresql://h/db?user=u&prepareThreshold=0&PASSWORD=p"))
                .isEqualTo("jdbc:postgresql://h/db?prepareThreshold=0");
        assertThat(JdbcUrls.option("jdbc:postgresql://h/db?password=p%26w", "password")).contains("p&w");
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static Map<String, String> postgres(String... kv) {
        Map<String, String> e = env("DESTINATION", "postgres", "DB_SSL_MODE", "disable", "DB_TABLE", "t",
                "DB_URL", "jdbc:postgresql://h/db");
        for (int i = 0; i < kv.length; i += 2) {
            e.put(kv[i], kv[i + 1]);
        }
        return e;
    }

    private static Map<String, String> redshift(String... kv) {
        Map<String, String> e = env("DESTINATION", "redshift", "REDSHIFT_WORKGROUP", "w", "DB_NAME", "dev",
                "REDSHIFT_IAM_ROLE", ROLE, "DB_TABLE", "t");
        for (int i = 0; i < kv.length; i += 2) {
            e.put(kv[i], kv[i + 1]);
        }
        return e;
    }

    @Test
    void fromEnv_compression_zstdBzip2AndAutoByExtension() {
        assertThat(LoaderConfig.fromEnv(postgres("COMPRESSION", "zstd")).database().compression()).isEqualTo(Compression.ZSTD);
        assertThat(LoaderConfig.fromEnv(postgres("COMPRESSION", "BZIP2")).database().compression()).isEqualTo(Compression.BZIP2);
        assertThat(Compression.AUTO.of("a/b.csv.zst")).isEqualTo(Compression.ZSTD);
        assertThat(Compression.AUTO.of("a/b.CSV.BZ2")).isEqualTo(Compression.BZIP2);
        assertThat(Compression.AUTO.of("a/b.csv.gz")).isEqualTo(Compression.GZIP);
        assertThat(Compression.AUTO.of("a/b.zst.csv")).isEqualTo(Compression.NONE);
        assertThat(Compression.ZSTD.of("a/b.csv.gz")).isEqualTo(Compression.ZSTD);
        assertThatThrownBy(() -> LoaderConfig.fromEnv(postgres("COMPRESSION", "lzop")))
                .isInstanceOf(ConfigException.class).hasMessage("COMPRESSION must be one of auto, gzip, zstd, bzip2, none, got 'lzop'");
    }

    @Test
    void fromEnv_csvHeaderMatch_andExtraColumns_defaultsPerFormat() {
        DatabaseConfig match = LoaderConfig.fromEnv(postgres("CSV_HEADER", "match")).database();
        DatabaseConfig json = LoaderConfig.fromEnv(postgres("FILE_FORMAT", "json")).database();
        DatabaseConfig ignore = LoaderConfig.fromEnv(postgres("CSV_HEADER", "MATCH", "EXTRA_COLUMNS", "ignore")).database();
        DatabaseConfig positional = LoaderConfig.fromEnv(postgres("CSV_HEADER", "true")).database();

        assertThat(match.csvHeaderMatch()).isTrue();
        assertThat(match.csv().header()).isTrue();
        assertThat(match.extraColumns()).isEqualTo(ExtraColumns.FAIL);
        assertThat(json.extraColumns()).isEqualTo(ExtraColumns.IGNORE);
        assertThat(ignore.extraColumns()).isEqualTo(ExtraColumns.IGNORE);
        assertThat(positional.csvHeaderMatch()).isFalse();
        assertThat(positional.csv().header()).isTrue();
    }

    @Test
    void fromEnv_driftSettings_badValuesAndCombinationsRefusedNamingTheVariable() {
        assertThatThrownBy(() -> LoaderConfig.fromEnv(postgres("CSV_HEADER", "names")))
                .hasMessage("CSV_HEADER must be true, false or match, got 'names'");
        assertThatThrownBy(() -> LoaderConfig.fromEnv(postgres("CSV_HEADER", "match", "EXTRA_COLUMNS", "drop")))
                .hasMessage("EXTRA_COLUMNS must be one of fail, ignore, got 'drop'");
        assertThatThrownBy(() -> LoaderConfig.fromEnv(postgres("CSV_HEADER", "match", "DB_COLUMNS", "a,b")))
                .hasMessageStartingWith("CSV_HEADER=match maps columns by each file's header: unset DB_COLUMNS");
        assertThatThrownBy(() -> LoaderConfig.fromEnv(postgres("EXTRA_COLUMNS", "ignore")))
                .hasMessageStartingWith("EXTRA_COLUMNS applies to CSV_HEADER=match, FILE_FORMAT=json and FILE_FORMAT=parquet only");
        assertThatThrownBy(() -> LoaderConfig.fromEnv(postgres("FILE_FORMAT", "json", "CSV_HEADER", "match")))
                .hasMessage("CSV_HEADER applies to FILE_FORMAT=csv only");
    }

    @Test
    void fromEnv_redshift_csvHeaderMatchAndExtraColumnsFail_refusedAsPostgresOnly() {
        assertThatThrownBy(() -> LoaderConfig.fromEnv(redshift("CSV_HEADER", "match")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("CSV_HEADER=match is supported by DESTINATION postgres only");
        assertThatThrownBy(() -> LoaderConfig.fromEnv(redshift("FILE_FORMAT", "json", "EXTRA_COLUMNS", "fail")))
                .hasMessageStartingWith("EXTRA_COLUMNS=fail is supported by DESTINATION postgres only");
        assertThat(LoaderConfig.fromEnv(redshift("FILE_FORMAT", "json", "EXTRA_COLUMNS", "ignore")).database()
                .extraColumns()).isEqualTo(ExtraColumns.IGNORE);
        assertThat(LoaderConfig.fromEnv(redshift("COMPRESSION", "zstd")).database().compression()).isEqualTo(Compression.ZSTD);
    }
}
