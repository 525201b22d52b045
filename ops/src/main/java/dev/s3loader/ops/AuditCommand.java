package dev.s3loader.ops;

import dev.s3loader.model.DestinationKind;
import dev.s3loader.model.Env;
import dev.s3loader.model.Layout;
import dev.s3loader.model.TableName;
import dev.s3loader.ops.audit.Audit;
import dev.s3loader.ops.audit.AuditReport;
import dev.s3loader.ops.audit.JsonReport;
import dev.s3loader.ops.audit.LedgerReader;
import dev.s3loader.ops.audit.PostgresLedger;
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
 * (BUCKET, DESTINATION, DB_URL, DB_LEDGER_TABLE, INCOMING_PREFIX, MAX_ATTEMPTS, …).
 */
@Command(name = "audit", mixinStandardHelpOptions = true,
        description = {"Checks that every file is in exactly one of incoming/, processed/, failed/ (with its",
                "report), that the ledger and processed/ agree, and that nothing is duplicated or half-written.",
                "Exit status: 0 the invariants hold, 1 they do not, 2 bad arguments, 3 it could not finish.", ""})
final class AuditCommand implements Callable<Integer> {
    private final Map<String, String> env;
    private final PrintStream out;

    @Mixin
    Connection connection = new Connection();

    @Option(names = "--destination", paramLabel = "KIND",
            description = "copy (no ledger), postgres or redshift (default: $DESTINATION, else postgres when a database URL or secret is given, else copy)")
    String destination;

    @Option(names = "--db-url", paramLabel = "JDBC_URL", description = "postgres: jdbc:postgresql://host:port/db (default: $DB_URL)")
    String dbUrl;

    @Option(names = "--db-user", paramLabel = "USER", description = "postgres: user (default: $DB_USER); the password is read from $DB_PASSWORD only")
    String dbUser;

    @Option(names = "--db-secret-arn", paramLabel = "ARN",
            description = "postgres: Secrets Manager secret {host,port,dbname,username,password} (default: $DB_SECRET_ARN)")
    String dbSecretArn;

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
        DestinationKind kind = destination();
        TableName ledger = TableName.parse("--ledger-table",
                Optional.ofNullable(ledgerTable).or(() -> settings.optional("DB_LEDGER_TABLE")).orElse("s3loader_ledger"));
        Optional<String> secret = Optional.ofNullable(dbSecretArn).or(() -> settings.optional("DB_SECRET_ARN"));
        // scripts/local's PostgreSQL is the default only where nothing else names the database.
        boolean localDatabase = connection.local(env) && secret.isEmpty();
        Optional<PostgresLogin> login = switch (kind) {
            case COPY -> Optional.empty();
            case POSTGRES -> Optional.of(new PostgresLogin(
                    Optional.ofNullable(dbUrl).or(() -> settings.optional("DB_URL"))
                            .or(() -> localDatabase ? Optional.of(connection.localJdbcUrl(env)) : Optional.empty()),
                    Optional.ofNullable(dbUser).or(() -> settings.optional("DB_USER"))
                            .or(() -> localDatabase ? Optional.of("postgres") : Optional.empty()),
                    settings.optional("DB_PASSWORD"),
                    secret,
                    settings.seconds("DB_CONNECT_TIMEOUT_SECONDS", Duration.ofSeconds(10), 1, 300)));
            case REDSHIFT -> throw new UsageException("the audit reads the postgres ledger only so far; for a redshift "
                    + "deployment run it with --destination copy to check the bucket alone");
        };
        try (S3Client s3 = connection.s3(env);
             LedgerReader reader = login.map(l -> (LedgerReader) new PostgresLedger(l.connect(connection.region(env)), ledger, 10_000))
                     .orElse(null)) {
            AuditReport report = new Audit(s3, bucket, layout, Optional.ofNullable(reader), auditSettings, Clock.systemUTC()).run();
            if (json) {
                out.println(JsonReport.toJson(report));
            } else {
                TextReport.print(report, out);
            }
            out.flush();
            return report.holds() ? S3LoaderCommand.OK : S3LoaderCommand.FOUND;
        }
    }

    private DestinationKind destination() {
        Optional<String> given = Optional.ofNullable(destination).or(() -> Connection.value(env, "DESTINATION"));
        if (given.isEmpty()) {
            boolean database = dbUrl != null || dbSecretArn != null || Connection.value(env, "DB_URL").isPresent()
                    || Connection.value(env, "DB_SECRET_ARN").isPresent();
            return database ? DestinationKind.POSTGRES : DestinationKind.COPY;
        }
        for (DestinationKind k : DestinationKind.values()) {
            if (k.name().equalsIgnoreCase(given.get())) {
                return k;
            }
        }
        throw new UsageException("--destination must be one of copy, postgres, redshift, got '" + given.get() + "'");
    }
}
