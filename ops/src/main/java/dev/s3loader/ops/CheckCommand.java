package dev.s3loader.ops;

import dev.s3loader.clients.AwsClients;
import dev.s3loader.loader.LoaderWiring;
import dev.s3loader.model.CheckItem;
import dev.s3loader.model.ConfigException;
import dev.s3loader.model.Env;
import dev.s3loader.model.Layout;
import dev.s3loader.model.LoaderConfig;
import dev.s3loader.ops.check.CheckOutput;
import dev.s3loader.ops.check.CheckReport;
import dev.s3loader.ops.check.LambdaPreflight;
import dev.s3loader.ops.check.QueueWiring;
import dev.s3loader.ops.check.StackWiring;
import java.io.PrintStream;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.CloudFormationException;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * {@code s3loader check}: a deployed stack (or scripts/local) proves itself without loading
 * anything or leaving anything behind: the wiring, then the loader's preflight from inside the
 * loader (the function invoked with the preflight request; with --local, the loader code in this
 * process with the local settings).
 */
@Command(name = "check", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Checks a deployed pipeline end to end without loading anything: the queue's redrive policy to the",
                "dead-letter queue, the event source mapping (enabled, ReportBatchItemFailures), the lister's schedule",
                "and last run, the bucket notification (EventFastPath), the container service; then, from inside the",
                "loader function (its role, its network), S3 read and write on the internal prefix, the destination",
                "reachable, the table and the ledger with the privileges a load needs. One line per item; a problem's",
                "line says what to do.",
                "Exit status: 0 every item holds; 1 a problem; 2 bad arguments.", ""})
final class CheckCommand implements Callable<Integer> {
    private final Map<String, String> env;
    private final PrintStream out;

    @Mixin
    ConnectionOptions connection = new ConnectionOptions();

    @Option(names = "--json", description = "print one JSON object instead of the text")
    boolean json;

    @Option(names = "--stale-after", paramLabel = "MINUTES", defaultValue = "10",
            description = "a last lister run that ended longer ago than this is a problem (default: ${DEFAULT-VALUE})")
    int staleAfterMinutes;

    @Option(names = "--function", paramLabel = "NAME",
            description = "the loader function to invoke (default: the stack's LoaderFunctionName output)")
    String function;

    @Option(names = "--redshift-endpoint", paramLabel = "URL",
            description = "--local with DESTINATION=redshift: the local Data API (scripts/local prints it; default: $AWS_ENDPOINT_URL_REDSHIFT_DATA)")
    String redshiftEndpoint;

    CheckCommand(Map<String, String> env, PrintStream out) {
        this.env = env;
        this.out = out;
    }

    @Override
    public Integer call() {
        if (staleAfterMinutes < 1 || staleAfterMinutes > 7 * 24 * 60) {
            throw new UsageException("--stale-after must be between 1 and 10080 minutes, got " + staleAfterMinutes);
        }
        if ((connection.stack == null) == !connection.local) {
            throw new UsageException(connection.local ? "give --stack NAME or --local, not both"
                    : "name the pipeline: --stack NAME (a deployed stack) or --local (scripts/local)");
        }
        Duration staleAfter = Duration.ofMinutes(staleAfterMinutes);
        CheckReport report = connection.local ? local(staleAfter) : stack(staleAfter);
        if (json) {
            out.println(CheckOutput.json(report));
        } else {
            CheckOutput.text(report, out);
        }
        out.flush();
        return report.holds() ? S3LoaderCommand.OK : S3LoaderCommand.FOUND;
    }

    private CheckReport stack(Duration staleAfter) {
        var region = connection.region(env);
        try (CloudFormationClient cfn = aws(CloudFormationClient.builder(), "AWS_ENDPOINT_URL_CLOUDFORMATION").region(region).build();
             LambdaClient lambda = aws(LambdaClient.builder(), "AWS_ENDPOINT_URL_LAMBDA").region(region)
                     // The preflight waits on the database's connect timeout and Invoke waits for the function.
                     .overrideConfiguration(AwsClients.retries().toBuilder().apiCallTimeout(Duration.ofMinutes(5))
                             .apiCallAttemptTimeout(Duration.ofMinutes(5)).build()).build();
             EventBridgeClient events = aws(EventBridgeClient.builder(), "AWS_ENDPOINT_URL_EVENTBRIDGE").region(region).build();
             EcsClient ecs = aws(EcsClient.builder(), "AWS_ENDPOINT_URL_ECS").region(region).build();
             S3Client s3 = connection.s3(env);
             SqsClient sqs = connection.sqs(env)) {
            StackWiring wiring = new StackWiring(connection.stack, cfn, lambda, events, ecs, s3, new QueueWiring(sqs, s3, Clock.systemUTC()));
            StackWiring.Described described;
            try {
                described = wiring.describe();
            } catch (CloudFormationException e) {
                if (e.statusCode() == 400) {
                    throw new UsageException("--stack: " + e.awsErrorDetails().errorMessage());
                }
                throw e;
            }
            List<CheckItem> wired = wiring.items(described, staleAfter);
            String fn = Optional.ofNullable(function).orElse(described.outputs().get("LoaderFunctionName"));
            if (fn == null) {
                throw new UsageException("--stack " + connection.stack + " has no LoaderFunctionName output; name it with --function");
            }
            List<CheckItem> loader = new LambdaPreflight(lambda).run(fn);
            return new CheckReport("stack " + connection.stack, Clock.systemUTC().instant(), wired, "function " + fn + ", invoked", loader);
        }
    }

    private <B extends AwsClientBuilder<B, ?>> B aws(B builder, String endpointVariable) {
        builder.overrideConfiguration(AwsClients.retries());
        if (builder instanceof software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder<?, ?> sync) {
            sync.httpClient(AwsClients.http());
        }
        ConnectionOptions.value(env, endpointVariable).or(() -> ConnectionOptions.value(env, "AWS_ENDPOINT_URL"))
                .map(URI::create).ifPresent(builder::endpointOverride);
        return builder;
    }

    /**
     * scripts/local: the queues and the lister's record on the loopback servers, and the loader's
     * preflight in this process with the settings scripts/local's loader runs with (the functions'
     * variables from the environment; its bucket, and for DESTINATION=postgres its database).
     */
    private CheckReport local(Duration staleAfter) {
        String bucket = connection.bucket(env);
        Layout layout = Layout.fromEnv(new Env(env));
        Map<String, String> settings = new HashMap<>(env);
        settings.put("BUCKET", bucket);
        boolean postgres = "postgres".equalsIgnoreCase(env.getOrDefault("DESTINATION", ""));
        if (postgres && ConnectionOptions.value(env, "DB_URL").isEmpty() && ConnectionOptions.value(env, "DB_SECRET_ARN").isEmpty()) {
            settings.put("DB_URL", connection.localJdbcUrl(env));
            settings.putIfAbsent("DB_USER", "postgres");
            settings.putIfAbsent("DB_SSL_MODE", "disable");
            settings.putIfAbsent("DB_TABLE", "demo_rows"); // scripts/local's sample table (LocalRuntime.SAMPLE_TABLE)
        }
        if ("redshift".equalsIgnoreCase(env.getOrDefault("DESTINATION", ""))) {
            // scripts/local's redshift (LocalRuntime): its workgroup, database, sample table and COPY role.
            settings.putIfAbsent("REDSHIFT_WORKGROUP", "local");
            settings.putIfAbsent("DB_NAME", "postgres");
            settings.putIfAbsent("DB_TABLE", "demo_rows");
            settings.putIfAbsent("REDSHIFT_IAM_ROLE", "arn:aws:iam::000000000000:role/s3loader-local-copy");
        }
        LoaderConfig config;
        try {
            config = LoaderConfig.fromEnv(settings);
        } catch (ConfigException e) {
            throw new UsageException(e.getMessage());
        }
        try (S3Client s3 = connection.s3(env); SqsClient sqs = connection.sqs(env)) {
            List<CheckItem> wired = new QueueWiring(sqs, s3, Clock.systemUTC()).items(connection.queueUrl(env, sqs),
                    connection.deadLetterQueueUrl(env, sqs), bucket, layout, staleAfter);
            List<CheckItem> loader;
            try (LoaderWiring l = new LoaderWiring(config, new LoaderWiring.Clients(s3, () -> connection.redshiftData(env, redshiftEndpoint)), line -> { },
                    Clock.systemUTC())) {
                loader = l.preflight().run();
            }
            return new CheckReport("scripts/local (s3://" + bucket + ")", Clock.systemUTC().instant(), wired,
                    "the loader's code in this process, DESTINATION=" + config.destination().name().toLowerCase(java.util.Locale.ROOT),
                    loader);
        }
    }
}
