package dev.s3loader.loader.destination.redshift;

import dev.s3loader.model.CheckItem;
import dev.s3loader.model.DatabaseConfig;
import dev.s3loader.model.LoadMode;
import dev.s3loader.model.RedshiftTarget;
import dev.s3loader.model.TableName;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.redshiftdata.model.StatusString;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The redshift destination's preflight, through the Data API with the loader's own credentials:
 * a query (the Data API reachable, the database's credentials usable), INSERT on the table (DELETE
 * too for merge), SELECT, INSERT, UPDATE, DELETE on the ledger (or CREATE on its schema while it does
 * not exist), TEMP on the database (every batch stages its file list in a temporary table), and the
 * COPY role: a one-line probe under the manifest prefix COPYed into a temporary table in one
 * BatchExecuteStatement (the session's temporary table goes with it), then deleted.
 */
final class RedshiftPreflight {
    private static final Duration TIMEOUT = Duration.ofMinutes(2);
    private final DatabaseConfig config;
    private final DataApi api;
    private final S3Client s3;
    private final String bucket;
    private final String probePrefix;

    RedshiftPreflight(DatabaseConfig config, DataApi api, S3Client s3, String bucket, String probePrefix) {
        this.config = config;
        this.api = api;
        this.s3 = s3;
        this.bucket = bucket;
        this.probePrefix = probePrefix;
    }

    List<CheckItem> run() {
        RedshiftTarget t = config.redshift();
        String where = t.workgroup().map(w -> "workgroup " + w).orElseGet(() -> "cluster " + t.clusterId().orElse("?"))
                + ", database " + t.database().orElse("?");
        List<CheckItem> items = new ArrayList<>();
        String user;
        boolean temp;
        try {
            List<String> row = api.query("SELECT current_user, has_database_privilege(current_database(), 'TEMP')", Map.of(), TIMEOUT)
                    .getFirst();
            user = row.get(0);
            temp = "true".equalsIgnoreCase(row.get(1)) || "t".equalsIgnoreCase(row.get(1));
        } catch (RuntimeException e) {
            return List.of(CheckItem.problem("redshift data api", where + ": " + e.getMessage(),
                    "check REDSHIFT_WORKGROUP or REDSHIFT_CLUSTER_ID and DB_NAME, and that the loader's role may call "
                            + "redshift-data:ExecuteStatement with its credential right (DB_SECRET_ARN's secretsmanager:GetSecretValue, "
                            + "redshift-serverless:GetCredentials or redshift:GetClusterCredentials*)"));
        }
        items.add(CheckItem.ok("redshift data api", where + ", as " + user));
        String who = TableName.quote(user);
        boolean merge = config.mode() == LoadMode.MERGE;
        TableName table = config.requireTable();
        items.add(privileges("table", table, user, merge ? List.of("INSERT", "DELETE") : List.of("INSERT"),
                "create " + table + " (or fix DB_TABLE)"));
        TableName ledger = config.ledgerTable();
        CheckItem l = privileges("ledger", ledger, user, List.of("SELECT", "INSERT", "UPDATE", "DELETE"), null);
        items.add(l != null ? l : missingLedger(ledger, user, who));
        items.add(temp ? CheckItem.ok("temporary tables", user + " may create temporary tables (each batch stages its file list in one)")
                : CheckItem.problem("temporary tables", user + " may not create temporary tables, and each batch stages its file list in one",
                "GRANT TEMP ON DATABASE " + TableName.quote(t.database().orElse("?")) + " TO " + who));
        items.add(copyRole(t));
        return items;
    }

    /** The item for a table's privileges; null when it does not exist and {@code missing} is null (the caller decides). */
    private CheckItem privileges(String name, TableName table, String user, List<String> needed, String missing) {
        List<String> lacking = new ArrayList<>();
        try {
            for (String p : needed) {
                String v = api.query("SELECT has_table_privilege(:t, :p)", Map.of("t", table.quoted(), "p", p), TIMEOUT)
                        .getFirst().get(0);
                if (!("true".equalsIgnoreCase(v) || "t".equalsIgnoreCase(v))) {
                    lacking.add(p);
                }
            }
        } catch (RuntimeException e) {
            if (String.valueOf(e.getMessage()).contains("does not exist")) {
                return missing == null ? null : CheckItem.problem(name, table + " does not exist (or " + user + " cannot see it)", missing);
            }
            return CheckItem.problem(name, table + ": the check failed: " + e.getMessage(), "read the error; the loader's user is " + user);
        }
        return lacking.isEmpty() ? CheckItem.ok(name, table + ": " + user + " may " + String.join(", ", needed))
                : CheckItem.problem(name, table + ": " + user + " lacks " + String.join(", ", lacking),
                "GRANT " + String.join(", ", lacking) + " ON " + table.quoted() + " TO " + TableName.quote(user));
    }

    private CheckItem missingLedger(TableName ledger, String user, String who) {
        try {
            String schema = ledger.schema().orElse(null);
            String v = schema == null
                    ? api.query("SELECT has_schema_privilege(current_schema(), 'CREATE')", Map.of(), TIMEOUT).getFirst().get(0)
                    : api.query("SELECT has_schema_privilege(:s, 'CREATE')", Map.of("s", schema), TIMEOUT).getFirst().get(0);
            String in = schema == null ? "its schema" : "schema " + TableName.quote(schema);
            return "true".equalsIgnoreCase(v) || "t".equalsIgnoreCase(v)
                    ? CheckItem.ok("ledger", ledger + " does not exist yet: the first load creates it and its _lock table (" + user
                    + " may CREATE in " + in + ")")
                    : CheckItem.problem("ledger", ledger + " does not exist and " + user + " may not CREATE in " + in,
                    "GRANT CREATE ON SCHEMA " + (schema == null ? "<schema>" : TableName.quote(schema)) + " TO " + who
                            + ", or create the ledger and its _lock table as their owner");
        } catch (RuntimeException e) {
            return CheckItem.problem("ledger", ledger + " does not exist and the schema check failed: " + e.getMessage(),
                    "create the ledger (docs/design.md, \"Exactly once: the ledger\")");
        }
    }

    private CheckItem copyRole(RedshiftTarget t) {
        String name = "copy role";
        String role = t.iamRole().orElse("default");
        String key = probePrefix + "preflight-" + UUID.randomUUID() + ".csv";
        String url = "s3://" + bucket + "/" + key;
        try {
            s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromString("1\n"));
        } catch (SdkException e) {
            return CheckItem.problem(name, "cannot write the probe " + url + ": " + e.getMessage(),
                    "grant the loader's role s3:PutObject on the internal prefix");
        }
        try {
            String id = api.submitBatch(List.of("CREATE TEMP TABLE s3loader_preflight (\"c\" VARCHAR(16))",
                    "COPY s3loader_preflight FROM " + RedshiftSql.literal(url) + " IAM_ROLE "
                            + (role.equals("default") ? "default" : RedshiftSql.literal(role)) + " CSV"));
            var described = api.await(id, TIMEOUT);
            String error = described.isEmpty() ? "no answer within " + TIMEOUT.toSeconds() + " s"
                    : described.get().status() == StatusString.FINISHED ? null : String.valueOf(described.get().error());
            if (error != null) {
                return CheckItem.problem(name, "COPY from " + url + " with IAM_ROLE " + role + " failed: " + error,
                        "associate " + role + " with the " + (t.workgroup().isPresent() ? "workgroup's namespace" : "cluster")
                                + " and let it s3:GetObject on arn:aws:s3:::" + bucket + "/" + probePrefix + "* (REDSHIFT_IAM_ROLE)");
            }
            return CheckItem.ok(name, "COPY read " + url + " with IAM_ROLE " + role);
        } catch (RuntimeException e) {
            return CheckItem.problem(name, "COPY could not be submitted: " + e.getMessage(), "check the Data API item above");
        } finally {
            try {
                s3.deleteObject(b -> b.bucket(bucket).key(key));
            } catch (SdkException e) {
                // The item already says what matters; the probe is one line of text under the internal prefix.
            }
        }
    }
}
