package dev.s3loader.ops.status;

import java.time.Duration;

/**
 * @param keysShown    stuck keys and newest failed files named (the counts are exact regardless)
 * @param pageSize     keys per LIST request (S3's maximum is 1,000)
 * @param maxAttempts  the lister's MAX_ATTEMPTS
 * @param requeueAfter the lister's REQUEUE_AFTER_MINUTES: with MAX_ATTEMPTS, the lister's rule for "stuck"
 * @param staleAfter   a last lister run that ended longer ago than this is a problem
 */
public record StatusSettings(int keysShown, int pageSize, int maxAttempts, Duration requeueAfter, Duration staleAfter) {
}
