package dev.s3loader.loader.internal;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.time.Clock;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The loader's per-batch figures as one Embedded Metric Format log line: CloudWatch turns it into
 * metrics with no API call, and a failure here never fails a message.
 */
public final class LoaderMetrics {
    private static final Logger LOG = Logger.getLogger(LoaderMetrics.class.getName());
    public static final String LOADED_FILES = "LoadedFiles";
    public static final String LOADED_BYTES = "LoadedBytes";
    public static final String FAILED_FILES = "FailedFiles";
    public static final String BATCH_LOAD_SECONDS = "BatchLoadSeconds";

    private final String namespace;
    private final String pipeline;
    private final Consumer<String> sink;
    private final Clock clock;

    public LoaderMetrics(String namespace, String pipeline, Consumer<String> sink, Clock clock) {
        this.namespace = namespace;
        this.pipeline = pipeline;
        this.sink = sink;
        this.clock = clock;
    }

    public void batch(int loadedFiles, long loadedBytes, int failedFiles, double seconds) {
        try {
            sink.accept(String.format(java.util.Locale.ROOT,
                    "{\"_aws\":{\"Timestamp\":%d,\"CloudWatchMetrics\":[{\"Namespace\":%s,\"Dimensions\":[[\"Pipeline\"]],"
                            + "\"Metrics\":[{\"Name\":\"%s\",\"Unit\":\"Count\"},{\"Name\":\"%s\",\"Unit\":\"Bytes\"},"
                            + "{\"Name\":\"%s\",\"Unit\":\"Count\"},{\"Name\":\"%s\",\"Unit\":\"Seconds\"}]}]},"
                            + "\"Pipeline\":%s,\"%s\":%d,\"%s\":%d,\"%s\":%d,\"%s\":%.3f}",
                    clock.millis(), quote(namespace), LOADED_FILES, LOADED_BYTES, FAILED_FILES, BATCH_LOAD_SECONDS,
                    quote(pipeline), LOADED_FILES, loadedFiles, LOADED_BYTES, loadedBytes, FAILED_FILES, failedFiles,
                    BATCH_LOAD_SECONDS, seconds));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "loader metrics not written", e);
        }
    }

    private static String quote(String s) {
        return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(s)) + "\"";
    }
}
