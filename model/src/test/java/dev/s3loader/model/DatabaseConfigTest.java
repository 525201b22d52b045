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
        LoaderConfig c = LoaderConfig.fromEnv(env("DESTINATION", "postgres", "DB_TABLE", "analytics.events",
                "DB_URL", "jdbc:postgresql://h/db"));

        assertThat(c.database().requireTable().quoted()).isEqualTo("\"analytics\".\"events\"");
        assertThat(c.database().format()).isEqualTo(FileFormat.CSV);
        assertThat(c.database().csv()).isEqualTo(CsvOptions.defaults());
        assertThat(c.database().compression()).isEqualTo(Compression.AUTO);
        assertThat(c.database().mode()).isEqualTo(LoadMode.APPEND);
        assertThatThrownBy(() -> LoaderConfig.fromEnv(env("DESTINATION", "postgres", "DB_URL", "jdbc:postgresql://h/db")))
                .isInstanceOf(ConfigException.class).hasMessage("DB_TABLE is required but not set");
        assertThatThrownBy(() -> LoaderConfig.fromEnv(env("DESTINATION", "postgres", "DB_TABLE", "t")))
                .hasMessageContaining("DB_URL or DB_SECRET_ARN");
        assertThatThrownBy(() -> LoaderConfig.fromEnv(env("DESTINATION", "postgres", "DB_TABLE", "t", "DB_URL", "postgres://x")))
                .hasMessageContaining("jdbc:postgresql:");
        assertThat(LoaderConfig.fromEnv(env("DESTINATION", "postgres", "DB_TABLE", "t",
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
    void fromEnv_mergeNeedsKeysAmongTheColumns() {
        String[] base = {"DESTINATION", "postgres", "DB_TABLE", "t", "DB_URL", "jdbc:postgresql://h/db"};

        assertThatThrownBy(() -> LoaderConfig.fromEnv(env(concat(base, "LOAD_MODE", "merge"))))
                .hasMessageContaining("MERGE_KEYS is required");
        assertThatThrownBy(() -> LoaderConfig.fromEnv(env(concat(base, "LOAD_MODE", "merge", "MERGE_KEYS", "id",
                "DB_COLUMNS", "name, amount")))).hasMessageContaining("must be among DB_COLUMNS");
        assertThat(LoaderConfig.fromEnv(env(concat(base, "LOAD_MODE", "MERGE", "MERGE_KEYS", "id, day"))).database().mergeKeys())
                .containsExactly("id", "day");
    }

    @Test
    void fromEnv_csvDialect_validatedForDatabasesOnly() {
        String[] base = {"DESTINATION", "postgres", "DB_TABLE", "t", "DB_URL", "jdbc:postgresql://h/db"};

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
        assertThatThrownBy(() -> LoaderConfig.fromEnv(env("DESTINATION", "postgres", "DB_URL", "jdbc:postgresql://h/db",
                "DB_TABLE", "x".repeat(64)))).hasMessageContaining("longer than 63 bytes");
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
