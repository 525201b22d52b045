package dev.s3loader.ops;

import dev.s3loader.ops.repair.RepairException;
import java.util.function.Supplier;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** The first read of a repair verb: a bucket that is not there, or not ours to read, is said in one line. */
final class Repairs {
    private Repairs() {
    }

    static <T> T readable(String bucket, Supplier<T> read) {
        try {
            return read.get();
        } catch (NoSuchBucketException e) {
            throw new RepairException("cannot read s3://" + bucket + ": no such bucket");
        } catch (S3Exception e) {
            if (e.statusCode() == 403) {
                throw new RepairException("cannot read s3://" + bucket + ": access denied ("
                        + (e.awsErrorDetails() == null ? e.getMessage() : e.awsErrorDetails().errorMessage()) + ")");
            }
            throw e;
        }
    }
}
