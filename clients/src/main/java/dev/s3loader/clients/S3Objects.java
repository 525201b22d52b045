package dev.s3loader.clients;

import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** What a 404 from S3 means for one key: the one place that reads it. */
public final class S3Objects {
    private S3Objects() {
    }

    /**
     * Whether the key holds an object now (one HeadObject). A 404 is "no", with or without the
     * NoSuchKey code (a HEAD answer has no body to carry one); any other error is thrown.
     */
    public static boolean exists(S3Client s3, String bucket, String key) {
        try {
            s3.headObject(b -> b.bucket(bucket).key(key));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw e;
        }
    }

    /** Whether an error says the key is gone: a 404 that is not a missing bucket (that is a deployment error to report). */
    public static boolean missingKey(S3Exception e) {
        return e.statusCode() == 404 && (e.awsErrorDetails() == null || !"NoSuchBucket".equals(e.awsErrorDetails().errorCode()));
    }
}
