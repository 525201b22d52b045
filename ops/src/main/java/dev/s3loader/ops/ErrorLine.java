package dev.s3loader.ops;

import java.net.ConnectException;
import java.net.UnknownHostException;
import java.util.Map;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;

/**
 * What an error the SDK raised means for the person at the command line, in one line that says what
 * to do: a bucket that is not there, scripts/local not running, no AWS credentials. The SDK's own
 * text (credential chains, attempt counts) is not for them.
 */
final class ErrorLine {
    private ErrorLine() {
    }

    /**
     * @param connection the verb's connection options, or null
     * @return the line, without the command's name
     */
    static String of(Throwable e, ConnectionOptions connection, Map<String, String> env) {
        return known(e, connection, env).orElseGet(() -> generic(e));
    }

    /** The line for the errors a person can act on (no bucket, no endpoint, no credentials, no region); empty for others. */
    static java.util.Optional<String> known(Throwable e, ConnectionOptions connection, Map<String, String> env) {
        if (!(e instanceof SdkException)) {
            return java.util.Optional.empty();
        }
        String line = line(e, connection, env);
        return line == null ? java.util.Optional.empty() : java.util.Optional.of(line);
    }

    private static String line(Throwable e, ConnectionOptions connection, Map<String, String> env) {
        boolean local = connection != null && connection.local;
        if (e instanceof NoSuchBucketException || (e instanceof AwsServiceException a && a.awsErrorDetails() != null
                && "NoSuchBucket".equals(a.awsErrorDetails().errorCode()))) {
            String bucket = bucket(connection, env);
            return "no such bucket" + (bucket == null ? "" : " s3://" + bucket) + ": check --bucket (or BUCKET"
                    + (local ? ", S3LOADER_BUCKET: the bucket scripts/local prints" : ", or --stack NAME") + ")";
        }
        if (e instanceof SdkClientException) {
            String message = String.valueOf(e.getMessage());
            if (message.startsWith("Unable to load credentials")) {
                return "no AWS credentials: run `aws configure` or set AWS_PROFILE (or AWS_ACCESS_KEY_ID and "
                        + "AWS_SECRET_ACCESS_KEY); for scripts/local on this machine use --local";
            }
            if (message.startsWith("Unable to load region")) {
                return "no AWS region: pass --region or set AWS_REGION";
            }
            Throwable cause = rootCause(e);
            if (cause instanceof UnknownHostException && !local) {
                // The SDK's own text here says "See cause for the exact endpoint": the cause is the host name.
                return "cannot resolve " + cause.getMessage() + ": check --region (or AWS_REGION), any --s3-endpoint/"
                        + "--sqs-endpoint, and the network";
            }
            if (cause instanceof ConnectException || cause instanceof UnknownHostException) {
                String where = connection == null ? "the endpoint" : connection.endpoints(env);
                if (local) {
                    return "cannot reach scripts/local (" + where + "): " + cause.getMessage() + "; start scripts/local, or set "
                            + "S3LOADER_S3_PORT and S3LOADER_SQS_PORT to the ports it prints";
                }
                return "cannot reach " + where + ": " + cause.getMessage() + "; check the network, --region and any "
                        + "--s3-endpoint/--sqs-endpoint";
            }
        }
        return null;
    }

    private static String generic(Throwable e) {
        if (e instanceof SdkClientException) {
            Throwable cause = rootCause(e);
            return "failed: " + firstLine(String.valueOf(e.getMessage()))
                    + (cause != e && cause.getMessage() != null ? " (" + firstLine(cause.getMessage()) + ")" : "");
        }
        if (e instanceof AwsServiceException a && a.awsErrorDetails() != null) {
            return "failed: " + a.awsErrorDetails().serviceName() + " answered " + a.statusCode() + " "
                    + a.awsErrorDetails().errorCode() + ": " + firstLine(String.valueOf(a.awsErrorDetails().errorMessage()));
        }
        if (e instanceof SdkException) {
            return "failed: " + firstLine(String.valueOf(e.getMessage()));
        }
        return "failed: " + e;
    }

    private static String bucket(ConnectionOptions connection, Map<String, String> env) {
        try {
            return connection == null ? null : connection.bucket(env);
        } catch (RuntimeException x) {
            return null;
        }
    }

    private static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }
}
