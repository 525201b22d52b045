package dev.s3loader.ops.status;

import dev.s3loader.model.ErrorReport;
import dev.s3loader.model.Layout;
import dev.s3loader.ops.Progress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Counts {@code failed/} in one pass, keeping only the newest few files (a bounded heap), then reads
 * the error reports of those: one LIST per 1,000 files and one GET per reason shown.
 */
final class FailedScan {
    /** Newest last, so the oldest of those kept is the one evicted; the key breaks ties. */
    private static final Comparator<S3Object> OLDEST_FIRST = Comparator.comparing(S3Object::lastModified)
            .thenComparing(S3Object::key);

    private final S3Client s3;
    private final String bucket;
    private final Layout layout;
    private final StatusSettings settings;

    FailedScan(S3Client s3, String bucket, Layout layout, StatusSettings settings) {
        this.s3 = s3;
        this.bucket = bucket;
        this.layout = layout;
        this.settings = settings;
    }

    StatusReport.Failed scan(Progress progress) {
        long files = 0;
        PriorityQueue<S3Object> newest = new PriorityQueue<>(OLDEST_FIRST);
        for (S3Object o : PrefixListing.files(s3, bucket, layout.failed(), settings.pageSize())) {
            progress.advance(1);
            files++;
            if (settings.keysShown() > 0) {
                newest.add(o);
                if (newest.size() > settings.keysShown()) {
                    newest.poll();
                }
            }
        }
        List<StatusReport.FailedFile> reasons = new ArrayList<>();
        for (S3Object o : newest) {
            reasons.add(reason(o));
        }
        // Shown by the time each report gives (when the loader gave up), newest first.
        reasons.sort(Comparator.comparing(StatusReport.FailedFile::failedAt).reversed()
                .thenComparing(StatusReport.FailedFile::key));
        return new StatusReport.Failed(files, List.copyOf(reasons));
    }

    private StatusReport.FailedFile reason(S3Object file) {
        String incomingKey = layout.incoming() + file.key().substring(layout.failed().length());
        String reportKey = layout.errorReportKey(incomingKey);
        String text;
        try {
            text = s3.getObjectAsBytes(b -> b.bucket(bucket).key(reportKey)).asUtf8String();
        } catch (NoSuchKeyException e) {
            return new StatusReport.FailedFile(file.key(), file.lastModified(), "(no error report at " + reportKey + ")");
        }
        try {
            ErrorReport report = ErrorReport.fromJson(text);
            Instant at = report.failedAt() != null ? report.failedAt() : file.lastModified();
            return new StatusReport.FailedFile(file.key(), at, report.reason());
        } catch (IllegalArgumentException | java.time.format.DateTimeParseException e) {
            return new StatusReport.FailedFile(file.key(), file.lastModified(), "(unreadable error report " + reportKey + ": "
                    + e.getMessage() + ")");
        }
    }
}
