package dev.s3loader.ops.status;

import dev.s3loader.model.InFlight;
import dev.s3loader.model.Layout;
import dev.s3loader.ops.Progress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * One pass over {@code incoming/}, each file looked up in the lister's in-flight state: the backlog,
 * what is in flight, and what is stuck by the lister's own rule ({@link InFlight#stuck}: this version
 * dispatched MAX_ATTEMPTS times and due again). Holds the state (bounded by MAX_IN_FLIGHT_FILES) and
 * one page of the listing, whatever the backlog.
 */
final class BacklogScan {
    private final S3Client s3;
    private final String bucket;
    private final Layout layout;
    private final StatusSettings settings;

    BacklogScan(S3Client s3, String bucket, Layout layout, StatusSettings settings) {
        this.s3 = s3;
        this.bucket = bucket;
        this.layout = layout;
        this.settings = settings;
    }

    StatusReport.Backlog scan(Map<String, InFlight> state, Optional<String> stateProblem, Instant now, Progress progress) {
        long files = 0;
        long bytes = 0;
        long inFlight = 0;
        long stuckCount = 0;
        Instant oldest = null;
        List<StatusReport.StuckFile> stuck = new ArrayList<>();
        for (S3Object o : PrefixListing.files(s3, bucket, layout.incoming(), settings.pageSize())) {
            progress.advance(1);
            files++;
            bytes += o.size();
            if (o.lastModified() != null && (oldest == null || o.lastModified().isBefore(oldest))) {
                oldest = o.lastModified();
            }
            InFlight entry = state.get(o.key());
            if (entry == null || !entry.etag().equals(o.eTag())) {
                continue; // not dispatched, or overwritten since: the lister sends this version next run
            }
            if (entry.stuck(now, settings.requeueAfter(), settings.maxAttempts())) {
                stuckCount++;
                if (stuck.size() < settings.keysShown()) {
                    stuck.add(new StatusReport.StuckFile(o.key(), entry.attempts(), entry.enqueuedAt()));
                }
            } else {
                inFlight++;
            }
        }
        return new StatusReport.Backlog(files, bytes, Optional.ofNullable(oldest), inFlight, files - inFlight - stuckCount,
                stuckCount, List.copyOf(stuck), state.size(), stateProblem);
    }
}
