package dev.s3loader.ops;

import dev.s3loader.clients.AwsClients;
import dev.s3loader.clients.NoExpectContinueInterceptor;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.redshiftdata.RedshiftDataClient;
import software.amazon.awssdk.services.redshiftdata.RedshiftDataClientBuilder;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.Output;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.SqsClientBuilder;

/**
 * Where every verb finds the pipeline: the bucket, the queues, and the S3 and SQS endpoints. On AWS
 * the SDK's default credential chain and region apply, and {@code --stack NAME} reads the bucket and
 * the queue URLs from the stack's outputs (one DescribeStacks call); {@code --local} points at
 * scripts/local on loopback, on the ports it reads from the same variables (S3LOADER_S3_PORT, …),
 * with its fixed credentials and its queues ({@value #LOCAL_QUEUE} and {@value #LOCAL_QUEUE}-dlq).
 * Precedence: an option, then the stack's output, then the functions' variable (BUCKET, QUEUE_URL, …).
 */
public final class ConnectionOptions {
    /** What scripts/local listens on and accepts unless told otherwise (see LocalMain, EmbeddedS3). */
    static final String LOCAL_BUCKET = "s3loader-local";
    static final int LOCAL_S3_PORT = 9000;
    static final int LOCAL_SQS_PORT = 9324;
    static final int LOCAL_PG_PORT = 15432;
    static final String LOCAL_ACCESS_KEY = "s3loader";
    static final String LOCAL_SECRET_KEY = "s3loader-secret";
    static final String LOCAL_QUEUE = "s3loader";
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");

    @Option(names = "--bucket", paramLabel = "NAME",
            description = "the pipeline's bucket (default: $BUCKET, or $S3LOADER_BUCKET / s3loader-local with --local)")
    String bucket;

    @Option(names = "--stack", paramLabel = "NAME",
            description = "the CloudFormation stack of the pipeline: its outputs name the bucket and the queues")
    String stack;

    @Option(names = "--queue-url", paramLabel = "URL", description = "the load queue (default: the stack's QueueUrl, else $QUEUE_URL)")
    String queueUrl;

    @Option(names = "--dead-letter-queue-url", paramLabel = "URL",
            description = "the dead-letter queue (default: the stack's DeadLetterQueueUrl, else $DEAD_LETTER_QUEUE_URL)")
    String deadLetterQueueUrl;

    private Map<String, String> stackOutputs;
    private Map<String, String> stackParameters;

    @Option(names = "--local", description = "the pipeline scripts/local runs: loopback endpoints (ports from "
            + "S3LOADER_S3_PORT, S3LOADER_SQS_PORT, S3LOADER_PG_PORT), its bucket and credentials")
    boolean local;

    @Option(names = "--s3-endpoint", paramLabel = "URL",
            description = "an S3-compatible endpoint, e.g. http://127.0.0.1:9000 (default: AWS; or $AWS_ENDPOINT_URL_S3)")
    String s3Endpoint;

    @Option(names = "--sqs-endpoint", paramLabel = "URL",
            description = "an SQS-compatible endpoint for the verbs that read the queue (default: AWS; or $AWS_ENDPOINT_URL_SQS)")
    String sqsEndpoint;

    @Option(names = "--region", paramLabel = "REGION", description = "AWS region (default: the SDK's chain: AWS_REGION, profile)")
    String region;

    boolean local(Map<String, String> env) {
        oneTarget();
        return local;
    }

    /** --local and --stack name two different pipelines: the command would mix them (one's bucket, the other's endpoints). */
    private void oneTarget() {
        if (local && stack != null) {
            throw new UsageException("--local (scripts/local on this machine) and --stack " + stack
                    + " (a pipeline on AWS) name two different pipelines: give one of them");
        }
    }

    /** The S3 and SQS endpoints the command talks to, for an error that could not reach them. */
    String endpoints(Map<String, String> env) {
        try {
            String s3 = s3Endpoint(env).map(URI::toString).orElse("AWS S3");
            String sqs = sqsEndpoint(env).map(URI::toString).orElse("AWS SQS");
            return "S3 " + s3 + ", SQS " + sqs;
        } catch (RuntimeException e) {
            return "the S3 and SQS endpoints";
        }
    }

    String bucket(Map<String, String> env) {
        oneTarget();
        String b = Optional.ofNullable(bucket).or(() -> stackOutput(env, "BucketName")).or(() -> value(env, "BUCKET"))
                .or(() -> local(env) ? Optional.of(value(env, "S3LOADER_BUCKET").orElse(LOCAL_BUCKET)) : Optional.empty())
                .orElseThrow(() -> new UsageException("which pipeline? give --stack NAME (on AWS), --local (scripts/local on "
                        + "this machine) or --bucket NAME (or set BUCKET)"));
        if (!BUCKET.matcher(b).matches() || b.contains("..")) {
            throw new UsageException("--bucket must be an S3 bucket name (3-63 of a-z, 0-9, '.', '-'), got '" + b + "'");
        }
        return b;
    }

    Optional<URI> s3Endpoint(Map<String, String> env) {
        return endpoint("--s3-endpoint", s3Endpoint, env, "AWS_ENDPOINT_URL_S3", "S3LOADER_S3_PORT", LOCAL_S3_PORT);
    }

    Optional<URI> sqsEndpoint(Map<String, String> env) {
        return endpoint("--sqs-endpoint", sqsEndpoint, env, "AWS_ENDPOINT_URL_SQS", "S3LOADER_SQS_PORT", LOCAL_SQS_PORT);
    }

    /** The load queue's URL: an option, the stack's output, $QUEUE_URL, or scripts/local's queue. */
    public String queueUrl(Map<String, String> env, SqsClient sqs) {
        return queue(env, sqs, "--queue-url", queueUrl, "QueueUrl", "QUEUE_URL", LOCAL_QUEUE);
    }

    /** The dead-letter queue's URL, found as {@link #queueUrl} is. */
    public String deadLetterQueueUrl(Map<String, String> env, SqsClient sqs) {
        return queue(env, sqs, "--dead-letter-queue-url", deadLetterQueueUrl, "DeadLetterQueueUrl", "DEAD_LETTER_QUEUE_URL",
                LOCAL_QUEUE + "-dlq");
    }

    private String queue(Map<String, String> env, SqsClient sqs, String option, String given, String output, String variable,
                         String localName) {
        return Optional.ofNullable(given).or(() -> stackOutput(env, output)).or(() -> value(env, variable))
                .orElseGet(() -> {
                    if (local(env)) {
                        return sqs.getQueueUrl(b -> b.queueName(localName)).queueUrl();
                    }
                    throw new UsageException(option + " is required (or --stack NAME, or set " + variable + ")");
                });
    }

    /** One of the stack's outputs; empty without --stack. */
    Optional<String> stackOutput(Map<String, String> env, String key) {
        if (stack == null) {
            return Optional.empty();
        }
        if (stackOutputs == null) {
            var builder = CloudFormationClient.builder().httpClient(AwsClients.http())
                    .overrideConfiguration(AwsClients.retries()).region(region(env));
            // The SDK's own variable for a CloudFormation-compatible endpoint, read from the same
            // environment as every other setting here (tests pass theirs).
            value(env, "AWS_ENDPOINT_URL_CLOUDFORMATION").ifPresent(u -> builder.endpointOverride(URI.create(u)));
            try (CloudFormationClient cfn = builder.build()) {
                var found = cfn.describeStacks(b -> b.stackName(stack)).stacks().stream().findFirst()
                        .orElseThrow(() -> new UsageException("--stack: no stack named '" + stack + "'"));
                stackOutputs = found.outputs().stream().collect(java.util.stream.Collectors.toMap(Output::outputKey, Output::outputValue));
                // The same answer names the parameters the stack was deployed with (Destination, LedgerTable, …).
                stackParameters = new java.util.HashMap<>();
                found.parameters().forEach(p -> {
                    if (p.parameterValue() != null && !p.parameterValue().isBlank() && !"****".equals(p.parameterValue())) {
                        stackParameters.put(p.parameterKey(), p.parameterValue());
                    }
                });
            } catch (software.amazon.awssdk.services.cloudformation.model.CloudFormationException e) {
                if (e.statusCode() == 400) {
                    throw new UsageException("--stack: " + e.awsErrorDetails().errorMessage());
                }
                throw e;
            }
        }
        return Optional.ofNullable(stackOutputs.get(key));
    }

    /** One of the parameters the stack was deployed with (from the same DescribeStacks answer); empty without --stack. */
    Optional<String> stackParameter(Map<String, String> env, String key) {
        if (stack == null) {
            return Optional.empty();
        }
        stackOutput(env, key);
        return Optional.ofNullable(stackParameters.get(key));
    }

    /**
     * The destination scripts/local's data folder runs with (its {@code destination.properties}),
     * the folder found as scripts/local finds it: $S3LOADER_DATA_DIR, else .local-data, relative to
     * the project's root (scripts/s3loader passes it as S3LOADER_ROOT) or the working directory.
     */
    Optional<String> localDestination(Map<String, String> env) {
        java.nio.file.Path given = java.nio.file.Path.of(value(env, "S3LOADER_DATA_DIR").orElse(".local-data"));
        java.nio.file.Path dir = given.isAbsolute() ? given
                : value(env, "S3LOADER_ROOT").map(java.nio.file.Path::of).map(r -> r.resolve(given)).orElse(given);
        java.util.Properties p = new java.util.Properties();
        try (var in = java.nio.file.Files.newBufferedReader(dir.resolve("destination.properties"))) {
            p.load(in);
        } catch (java.io.IOException e) {
            return Optional.empty();
        }
        return Optional.ofNullable(p.getProperty("destination")).filter(d -> !d.isBlank());
    }

    public SqsClient sqs(Map<String, String> env) {
        SqsClientBuilder b = SqsClient.builder().httpClient(AwsClients.http())
                .overrideConfiguration(AwsClients.retries())
                .region(region(env));
        sqsEndpoint(env).ifPresent(b::endpointOverride);
        if (local(env)) {
            b.credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(LOCAL_ACCESS_KEY, LOCAL_SECRET_KEY)));
        }
        return b.build();
    }

    /** The PostgreSQL scripts/local runs (DESTINATION=postgres), as a JDBC URL. */
    String localJdbcUrl(Map<String, String> env) {
        return "jdbc:postgresql://127.0.0.1:" + port(env, "S3LOADER_PG_PORT", LOCAL_PG_PORT) + "/postgres";
    }

    public S3Client s3(Map<String, String> env) {
        S3ClientBuilder b = S3Client.builder().httpClient(AwsClients.http())
                .overrideConfiguration(AwsClients.retries())
                .region(region(env));
        // An S3-compatible endpoint is S3Proxy (scripts/local): a failed conditional PUT must come back
        // as the 412 the state editor retries on, not as a broken request body.
        s3Endpoint(env).ifPresent(e -> b.endpointOverride(e).forcePathStyle(true)
                .overrideConfiguration(AwsClients.retries().toBuilder().addExecutionInterceptor(NoExpectContinueInterceptor.INSTANCE).build()));
        if (local(env)) {
            b.credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(LOCAL_ACCESS_KEY, LOCAL_SECRET_KEY)));
        }
        return b.build();
    }

    Region region(Map<String, String> env) {
        if (region != null) {
            return Region.of(region);
        }
        if (local(env) || s3Endpoint(env).isPresent()) {
            return Region.of(value(env, "AWS_REGION").orElse("us-east-1"));
        }
        try {
            return value(env, "AWS_REGION").map(Region::of).orElseGet(() -> DefaultAwsRegionProviderChain.builder().build().getRegion());
        } catch (RuntimeException e) {
            throw new UsageException("no AWS region: pass --region or set AWS_REGION");
        }
    }

    private Optional<URI> endpoint(String option, String given, Map<String, String> env, String variable, String portVariable,
                                   int localPort) {
        Optional<String> text = Optional.ofNullable(given).or(() -> value(env, variable));
        if (text.isEmpty() && local(env)) {
            return Optional.of(URI.create("http://127.0.0.1:" + port(env, portVariable, localPort)));
        }
        return text.map(t -> url(option, t));
    }

    private static URI url(String option, String t) {
        try {
            URI u = new URI(t);
            if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null) {
                throw new java.net.URISyntaxException(t, "not an http(s) URL with a host");
            }
            return u;
        } catch (java.net.URISyntaxException e) {
            throw new UsageException(option + " must be an http(s) URL such as http://127.0.0.1:9000, got '" + t + "'");
        }
    }

    /**
     * The Redshift Data API for the audit of a redshift ledger: AWS's, or a compatible endpoint
     * (the local one) from {@code given} or $AWS_ENDPOINT_URL_REDSHIFT_DATA. With --local it signs
     * with scripts/local's credentials.
     */
    RedshiftDataClient redshiftData(Map<String, String> env, String given) {
        RedshiftDataClientBuilder b = RedshiftDataClient.builder().httpClient(AwsClients.http())
                .overrideConfiguration(AwsClients.retries())
                .region(region(env));
        Optional.ofNullable(given).or(() -> value(env, "AWS_ENDPOINT_URL_REDSHIFT_DATA"))
                .map(t -> url("--redshift-endpoint", t)).ifPresent(b::endpointOverride);
        if (local(env)) {
            b.credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(LOCAL_ACCESS_KEY, LOCAL_SECRET_KEY)));
        }
        return b.build();
    }

    private static int port(Map<String, String> env, String variable, int fallback) {
        return value(env, variable).map(v -> {
            try {
                int p = Integer.parseInt(v);
                if (p >= 1 && p <= 65535) {
                    return p;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new UsageException(variable + " must be a port between 1 and 65535, got '" + v + "'");
        }).orElse(fallback);
    }

    static Optional<String> value(Map<String, String> env, String name) {
        String v = env.get(name);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.trim());
    }
}
