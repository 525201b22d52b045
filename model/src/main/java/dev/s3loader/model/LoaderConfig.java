package dev.s3loader.model;

import java.util.Map;

/**
 * Everything the loader reads from its environment, validated once at start-up.
 *
 * @param destinationBucket     where the {@code copy} destination writes (default: the bucket itself)
 * @param destinationPrefix     the prefix it writes under (default: processed/, where the copy is the move)
 * @param multipartThreshold    objects larger than this are copied part by part with UploadPartCopy
 * @param multipartPartSize     the size of each copied part
 * @param maxReceiveCount       the queue's redrive maxReceiveCount: after it a message goes to the dead-letter queue
 * @param moveConcurrency       files of one batch moved at once, at most
 * @param database              the postgres and redshift destinations' settings (read for every destination)
 * @param processedKeyTime      which time PROCESSED_KEY_TEMPLATE's date fields take
 * @param refined               the parquet destination's schema and codec (read for every destination)
 */
public record LoaderConfig(String bucket, Layout layout, DestinationKind destination, String destinationBucket,
                           String destinationPrefix, long multipartThreshold, long multipartPartSize,
                           int maxReceiveCount, int moveConcurrency, String pipelineName, String metricsNamespace,
                           DatabaseConfig database, ProcessedKeyTime processedKeyTime, RefinedConfig refined) {

    public static final long MIB = 1024L * 1024;
    public static final long GIB = 1024 * MIB;

    public static final Map<String, String> VARIABLES = withDatabase(RefinedConfig.VARIABLES, Map.ofEntries(
            Map.entry("BUCKET", "the bucket whose incoming/ prefix is the queue (required)"),
            Map.entry("DESTINATION", "copy, postgres, redshift or parquet (default: copy)"),
            Map.entry("DESTINATION_BUCKET", "copy/parquet destination: the archive or refined-zone bucket (default: BUCKET)"),
            Map.entry("DESTINATION_PREFIX", "copy destination: the archive prefix (default: PROCESSED_PREFIX); parquet: the refined zone's prefix (default: refined/)"),
            Map.entry("MULTIPART_THRESHOLD_BYTES", "larger objects are copied in parts (default: 5 GiB, min 5 MiB)"),
            Map.entry("MULTIPART_PART_BYTES", "size of each copied part (default: 512 MiB, 5 MiB to 5 GiB)"),
            Map.entry("MAX_RECEIVE_COUNT", "the queue's redrive maxReceiveCount, after which a message goes to the dead-letter queue (default: 5)"),
            Map.entry("MOVE_CONCURRENCY", "files of one batch moved at once (default: 8)"),
            Map.entry("PROCESSED_KEY_TEMPLATE", "the key below PROCESSED_PREFIX: {yyyy} {MM} {dd} {HH} (UTC) and {key} last, e.g. {yyyy}/{MM}/{dd}/{key} (default: {key})"),
            Map.entry("PROCESSED_KEY_TIME", "the time the template's dates take: last-modified (of the file) or load (the ledger's loaded_at; postgres only) (default: last-modified)"),
            Map.entry("PIPELINE_NAME", "value of the Pipeline metric dimension (default: s3loader)"),
            Map.entry("METRICS_NAMESPACE", "metric namespace of the EMF log lines (default: s3loader)")));

    /** A loader without database settings (the copy destination), for callers that build the record directly. */
    public LoaderConfig(String bucket, Layout layout, DestinationKind destination, String destinationBucket,
                        String destinationPrefix, long multipartThreshold, long multipartPartSize,
                        int maxReceiveCount, int moveConcurrency, String pipelineName, String metricsNamespace) {
        this(bucket, layout, destination, destinationBucket, destinationPrefix, multipartThreshold, multipartPartSize,
                maxReceiveCount, moveConcurrency, pipelineName, metricsNamespace,
                DatabaseConfig.fromEnv(new Env(Map.of()), DestinationKind.COPY), ProcessedKeyTime.LAST_MODIFIED);
    }

    /** A loader without the parquet destination's settings. */
    public LoaderConfig(String bucket, Layout layout, DestinationKind destination, String destinationBucket,
                        String destinationPrefix, long multipartThreshold, long multipartPartSize,
                        int maxReceiveCount, int moveConcurrency, String pipelineName, String metricsNamespace,
                        DatabaseConfig database, ProcessedKeyTime processedKeyTime) {
        this(bucket, layout, destination, destinationBucket, destinationPrefix, multipartThreshold, multipartPartSize,
                maxReceiveCount, moveConcurrency, pipelineName, metricsNamespace, database, processedKeyTime,
                new RefinedConfig(java.util.List.of(), RefinedConfig.Codec.SNAPPY));
    }

    public LoaderConfig {
        if (processedKeyTime == ProcessedKeyTime.LOAD && destination != DestinationKind.POSTGRES) {
            // A load time must be the same on every retry of a version, or a worker that dies between
            // the copy to processed/ and the delete leaves a second copy under another date. Only the
            // postgres ledger records it (loaded_at, in the load's own transaction) where a retry reads it.
            throw new ConfigException("PROCESSED_KEY_TIME=load needs DESTINATION postgres (the loader reads the load"
                    + " time back from its ledger on every retry, so a retry after a crash finds the key it copied to);"
                    + " with DESTINATION " + destination.name().toLowerCase(java.util.Locale.ROOT)
                    + " use PROCESSED_KEY_TIME=last-modified");
        }
        if (multipartPartSize > multipartThreshold) {
            throw new ConfigException("MULTIPART_PART_BYTES (" + multipartPartSize
                    + ") must not exceed MULTIPART_THRESHOLD_BYTES (" + multipartThreshold + ")");
        }
        if (destination == DestinationKind.PARQUET && database.format() == FileFormat.JSON && database.csv().header()) {
            throw new ConfigException("CSV_HEADER applies to FILE_FORMAT=csv only");
        }
        if ((destination == DestinationKind.COPY && !destinationPrefix.equals(layout.processed())
                || destination == DestinationKind.PARQUET) && destinationBucket.equals(bucket)) {
            // An archive inside incoming/ would be listed and loaded again forever; inside another stage it mixes with it.
            String[][] stages = {{"INCOMING_PREFIX", layout.incoming()}, {"FAILED_PREFIX", layout.failed()},
                    {"INTERNAL_PREFIX", layout.internal()}, {"PROCESSED_PREFIX", layout.processed()}};
            for (String[] stage : stages) {
                if (destinationPrefix.startsWith(stage[1]) || stage[1].startsWith(destinationPrefix)) {
                    throw new ConfigException("DESTINATION_PREFIX '" + destinationPrefix + "' overlaps " + stage[0] + " '"
                            + stage[1] + "' in the same BUCKET '" + bucket + "': give the "
                            + (destination == DestinationKind.PARQUET ? "refined zone a prefix of its own (default refined/)"
                            : "archive a prefix of its own, use PROCESSED_PREFIX itself (the copy is then the move)")
                            + ", or another DESTINATION_BUCKET");
                }
            }
        }
    }

    public static LoaderConfig fromEnv(Map<String, String> environment) {
        Env env = new Env(environment);
        Layout layout = Layout.fromEnv(env);
        String bucket = env.required("BUCKET");
        long threshold = env.longValue("MULTIPART_THRESHOLD_BYTES", 5 * GIB, 5 * MIB, 5 * GIB);
        DestinationKind destination = env.choice("DESTINATION", DestinationKind.class, DestinationKind.COPY);
        return new LoaderConfig(
                bucket,
                layout,
                destination,
                env.string("DESTINATION_BUCKET", bucket),
                env.prefix("DESTINATION_PREFIX", destination == DestinationKind.PARQUET ? RefinedConfig.DEFAULT_PREFIX
                        : layout.processed()),
                threshold,
                env.longValue("MULTIPART_PART_BYTES", Math.min(512 * MIB, threshold), 5 * MIB, 5 * GIB),
                env.integer("MAX_RECEIVE_COUNT", 5, 1, 1000),
                env.integer("MOVE_CONCURRENCY", 8, 1, 256),
                env.string("PIPELINE_NAME", "s3loader"),
                env.string("METRICS_NAMESPACE", "s3loader"),
                // Read whatever the destination, so every variable is checked for form; required only for its own.
                DatabaseConfig.fromEnv(env, destination),
                ProcessedKeyTime.fromEnv(env),
                RefinedConfig.fromEnv(env, destination));
    }

    private static Map<String, String> withDatabase(Map<String, String> refined, Map<String, String> own) {
        Map<String, String> all = new java.util.TreeMap<>(own);
        all.putAll(refined);
        all.putAll(DatabaseConfig.VARIABLES);
        return java.util.Collections.unmodifiableMap(all);
    }

    /** True when the copy destination writes to the same place as the move to processed/, so the copy is the move. */
    public boolean copyIsTheMove() {
        return destination == DestinationKind.COPY && destinationBucket.equals(bucket)
                && destinationPrefix.equals(layout.processed());
    }
}
