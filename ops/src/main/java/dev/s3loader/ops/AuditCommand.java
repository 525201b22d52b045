package dev.s3loader.ops;

import dev.s3loader.loader.destination.LedgerReader;
import dev.s3loader.loader.destination.postgres.PostgresLedger;
import dev.s3loader.loader.destination.redshift.RedshiftLedger;
import dev.s3loader.model.DestinationKind;
import dev.s3loader.model.Env;
import dev.s3loader.model.Layout;
import dev.s3loader.model.RedshiftTarget;
import dev.s3loader.model.TableName;
import dev.s3loader.ops.audit.Audit;
import dev.s3loader.ops.audit.AuditReport;
import dev.s3loader.ops.audit.JsonReport;
import dev.s3loader.ops.audit.TextReport;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * {@code s3loader audit}: checks the invariants on a live bucket and its ledger, and exits 0 only
 * when they hold. Settings not given as options are read from the variables the functions use
 * (BUCKET, DESTINATION, DB_URL, DB_LEDGER_TABLE, REDSHIFT_WORKGROUP, DB_NAME, INCOMING_PREFIX,
 * MAX_ATTEMPTS, …). A postgres ledger is read over JDBC, a redshift ledger through the Data API.
 */
@Command(name = "audit", mixinStandardHelpOptions = true,
        description = {"Checks the invariants on a bucket and its ledger; changes nothing.",
                "Every file is in exactly one of incoming/, processed/, failed/ (with its report), the ledger and",
                "processed/ agree, and nothing is duplicated or half-written.",
                "Exit status: 0 the invariants hold, 1 they do not, 2 bad arguments, 3 it could not finish.", ""})
final class AuditCommand implements Callable<Integer> {
    /** One ledger statement may run this long (a full scan of a large ledger on a busy cluster). */
    private static final Duration REDSHIFT_STATEMENT_TIMEOUT = Duration.ofMinutes(30);

    private final Map<String, String> env;
    private final PrintStream out;

    @Mixin
    ConnectionOptions connection = new ConnectionOptions();

    @Option(names = "--destination", paramLabel = "KIND",
            description = "copy (no ledger), postgres or redshift (default: $DESTINATION, else redshift when a workgroup or "
                    + "cluster is given, postgres when a database URL or secret is, else copy)")
    String destination;

    @Option(names = "--db-url", paramLabel = "JDBC_URL", description = "postgres: jdbc:postgresql://host:port/db (default: $DB_URL)")
    String dbUrl;

    @Option(names = "--db-user", paramLabel = "USER", description = "postgres: user (default: $DB_USER); the password is read "
            + "from $DB_PASSWORD only. redshift: database user for temporary credentials on a provisioned cluster (default: $DB_USER)")
    String dbUser;

    @Option(names = "--db-secret-arn", paramLabel = "ARN",
            description = "postgres: Secrets Manager secret {host,port,dbname,username,password}; redshift: the Data API's "
                    + "SecretArn (default: $DB_SECRET_ARN)")
    String dbSecretArn;

    @Option(names = "--workgroup", paramLabel = "NAME", description = "redshift: Serverless workgroup (default: $REDSHIFT_WORKGROUP)")
    String workgroup;

    @Option(names = "--cluster-id", paramLabel = "ID", description = "redshift: provisioned cluster (default: $REDSHIFT_CLUSTER_ID)")
    String clusterId;

    @Option(names = "--database", paramLabel = "NAME", description = "redshift: database (default: $DB_NAME)")
    String database;

    @Option(names = "--redshift-endpoint", paramLabel = "URL",
            description = "redshift: a Data API-compatible endpoint, e.g. the local one (default: AWS; or $AWS_ENDPOINT_URL_REDSHIFT_DATA)")
    String redshiftEndpoint;

    @Option(names = "--ledger-keys-per-statement", paramLabel = "N", defaultValue = "" + RedshiftLedger.DEFAULT_KEYS_PER_STATEMENT,
            description = "redshift: ledger keys read per Data API statement, whose result must stay under 100 MB (default: ${DEFAULT-VALUE})")
    int keysPerStatement;

    @Option(names = "--ledger-table", paramLabel = "[SCHEMA.]TABLE", description = "the ledger (default: $DB_LEDGER_TABLE, else s3loader_ledger)")
    String ledgerTable;

    @Option(names = "--keys", paramLabel = "N", defaultValue = "20",
            description = "keys named per category (counts are always exact; default: ${DEFAULT-VALUE})")
    int keys;

    @Option(names = "--page-size", paramLabel = "N", defaultValue = "1000", description = "keys per LIST request, 1-1000 (default: ${DEFAULT-VALUE})")
    int pageSize;

    @Option(names = "--json", description = "print one JSON object instead of the text report")
    boolean json;

    AuditCommand(Map<String, String> env, PrintStream out) {
        this.env = env;
        this.out = out;
    }

    @Override
    public Integer call() {
        if (keys < 0 || keys > 100_000) {
            throw new UsageException("--keys must be between 0 and 100000, got " + keys);
        }
        if (pageSize < 1 || pageSize > 1000) {
            throw new UsageException("--page-size must be between 1 and 1000, got " + pageSize);
        }
        String bucket = connection.bucket(env);
        Env settings = new Env(env);
        Layout layout = Layout.fromEnv(settings);
        Duration requeueFallback = connection.local(env) ? Duration.ofMinutes(5) : Duration.ofMinutes(60);
        Audit.Settings auditSettings = new Audit.Settings(keys, pageSize, settings.integer("MAX_ATTEMPTS", 5, 1, 1000),
                settings.minutes("REQUEUE_AFTER_MINUTES", requeueFallback, 1, 7 * 24 * 60));
        Learned learned = destination();
        DestinationKind kind = learned.kind();
        TableName ledger = TableName.parse("--ledger-table",
                Optional.ofNullable(ledgerTable).or(() -> settings.optional("DB_LEDGER_TABLE"))
                        .or(() -> connection.stackParameter(env, "LedgerTable")).orElse("s3loader_ledger"));
        Optional<String> secret = Optional.ofNullable(dbSecretArn).or(() -> settings.optional("DB_SECRET_ARN"))
                .or(() -> connection.stackParameter(env, "DatabaseSecretArn"));
        // scripts/local's PostgreSQL is the default only where nothing else names the database.
        boolean localDatabase = connection.local(env) && secret.isEmpty();
        Optional<PostgresLogin> login = switch (kind) {
            case COPY, PARQUET -> Optional.empty();
            case POSTGRES -> Optional.of(new PostgresLogin(
                    Optional.ofNullable(dbUrl).or(() -> settings.optional("DB_URL"))
                            .or(() -> connection.stackParameter(env, "PostgresJdbcUrl"))
                            .or(() -> localDatabase ? Optional.of(connection.localJdbcUrl(env)) : Optional.empty()),
                    Optional.ofNullable(dbUser).or(() -> settings.optional("DB_USER"))
                            .or(() -> localDatabase ? Optional.of("postgres") : Optional.empty()),
                    settings.optional("DB_PASSWORD"),
                    secret,
                    settings.seconds("DB_CONNECT_TIMEOUT_SECONDS", Duration.ofSeconds(10), 1, 300)));
            case REDSHIFT -> Optional.empty();
        };
        Optional<RedshiftTarget> redshift = kind == DestinationKind.REDSHIFT ? Optional.of(redshiftTarget(settings, secret))
                : Optional.empty();
        if (keysPerStatement < 1 || keysPerStatement > 1_000_000) {
            throw new UsageException("--ledger-keys-per-statement must be between 1 and 1000000, got " + keysPerStatement);
        }
        try (S3Client s3 = connection.s3(env);
             LedgerReader reader = login.map(l -> (LedgerReader) new PostgresLedger(l.connect(connection.region(env)), ledger, 10_000))
                     .or(() -> redshift.map(t -> new RedshiftLedger(connection.redshiftData(env, redshiftEndpoint), t, ledger,
                             keysPerStatement, REDSHIFT_STATEMENT_TIMEOUT)))
                     .orElse(null)) {
            AuditReport report = new Audit(s3, bucket, layout, Optional.ofNullable(reader), auditSettings, Clock.systemUTC()).run();
            if (json) {
                out.println(JsonReport.toJson(report, learned.unchecked()));
            } else {
                TextReport.print(report, out, learned.unchecked());
            }
            out.flush();
            return report.holds() ? S3LoaderCommand.OK : S3LoaderCommand.FOUND;
        }
    }

    /**
     * Where the loader runs its statements, from the same variables (REDSHIFT_WORKGROUP or
     * REDSHIFT_CLUSTER_ID, DB_NAME, DB_SECRET_ARN or DB_USER); with --local, scripts/local's
     * workgroup and database unless told otherwise. The Data API's own rules are checked here, so a
     * wrong combination is one clear line rather than a ValidationException.
     */
    private RedshiftTarget redshiftTarget(Env settings, Optional<String> secret) {
        Optional<String> cluster = Optional.ofNullable(clusterId).or(() -> settings.optional("REDSHIFT_CLUSTER_ID"))
                .or(() -> connection.stackParameter(env, "RedshiftClusterId"));
        Optional<String> group = Optional.ofNullable(workgroup).or(() -> settings.optional("REDSHIFT_WORKGROUP"))
                .or(() -> cluster.isEmpty() ? connection.stackParameter(env, "RedshiftWorkgroup") : Optional.empty())
                .or(() -> connection.local(env) && cluster.isEmpty() ? Optional.of("local") : Optional.empty());
        Optional<String> db = Optional.ofNullable(database).or(() -> settings.optional("DB_NAME"))
                .or(() -> connection.stackParameter(env, "RedshiftDatabase"))
                .or(() -> connection.local(env) ? Optional.of("postgres") : Optional.empty());
        Optional<String> user = Optional.ofNullable(dbUser).or(() -> settings.optional("DB_USER"))
                .or(() -> cluster.isPresent() ? connection.stackParameter(env, "DatabaseUser") : Optional.empty());
        if (cluster.isPresent() == group.isPresent()) {
            throw new UsageException("the redshift destination needs exactly one of --workgroup (or REDSHIFT_WORKGROUP, "
                    + "Serverless) and --cluster-id (or REDSHIFT_CLUSTER_ID, provisioned)");
        }
        if (db.isEmpty()) {
            throw new UsageException("the redshift destination needs --database (or DB_NAME)");
        }
        if (secret.isPresent() && user.isPresent()) {
            throw new UsageException("give the redshift destination --db-secret-arn (DB_SECRET_ARN) or --db-user (DB_USER), not both");
        }
        if (group.isPresent() && user.isPresent()) {
            throw new UsageException("--db-user (DB_USER) applies to a provisioned cluster only; a workgroup takes "
                    + "--db-secret-arn or the caller's IAM identity");
        }
        return new RedshiftTarget(cluster, group, db, secret, user, Optional.empty());
    }

    /**
     * The destination and where it was learned; {@code unchecked} says why the ledger is not checked
     * when no source named the destination (then copy, which has no ledger, is only a guess).
     */
    record Learned(DestinationKind kind, Optional<String> unchecked) {
    }

    /**
     * The destination: --destination, $DESTINATION, the stack's Destination parameter (--stack), the
     * destination scripts/local's data folder runs with (--local), the database options given, else unknown.
     */
    private Learned destination() {
        Optional<String> given = Optional.ofNullable(destination).or(() -> ConnectionOptions.value(env, "DESTINATION"))
                .or(() -> connection.stackParameter(env, "Destination"))
                .or(() -> connection.local(env) ? connection.localDestination(env) : Optional.empty());
        if (given.isEmpty() && (workgroup != null || clusterId != null || ConnectionOptions.value(env, "REDSHIFT_WORKGROUP").isPresent()
                || ConnectionOptions.value(env, "REDSHIFT_CLUSTER_ID").isPresent())) {
            return new Learned(DestinationKind.REDSHIFT, Optional.empty());
        }
        if (given.isEmpty()) {
            boolean database = dbUrl != null || dbSecretArn != null || ConnectionOptions.value(env, "DB_URL").isPresent()
                    || ConnectionOptions.value(env, "DB_SECRET_ARN").isPresent();
            return database ? new Learned(DestinationKind.POSTGRES, Optional.empty())
                    : new Learned(DestinationKind.COPY, Optional.of("destination unknown: pass --destination copy, postgres or "
                    + "redshift, or --stack NAME"));
        }
        for (DestinationKind k : DestinationKind.values()) {
            if (k.name().equalsIgnoreCase(given.get())) {
                return new Learned(k, Optional.empty());
            }
        }
        throw new UsageException("--destination must be one of copy, postgres, redshift, got '" + given.get() + "'");
    }
}
