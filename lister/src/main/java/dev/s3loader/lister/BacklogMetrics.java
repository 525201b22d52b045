package dev.s3loader.lister;

import java.util.List;

/** The names the lister publishes under; the CloudFormation alarms and dashboard are checked against these. */
public final class BacklogMetrics {
    public static final String DIMENSION = "Pipeline";
    public static final String BACKLOG_FILES = "BacklogFiles";
    public static final String BACKLOG_BYTES = "BacklogBytes";
    public static final String OLDEST_FILE_AGE_SECONDS = "OldestFileAgeSeconds";
    public static final String IN_FLIGHT_FILES = "InFlightFiles";
    public static final String ENQUEUED_FILES = "EnqueuedFiles";
    public static final String STUCK_FILES = "StuckFiles";
    public static final List<String> ALL = List.of(BACKLOG_FILES, BACKLOG_BYTES, OLDEST_FILE_AGE_SECONDS,
            IN_FLIGHT_FILES, ENQUEUED_FILES, STUCK_FILES);

    private BacklogMetrics() {
    }
}
