package dev.s3loader.ops.check;

import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;

/** An AWS error as one short phrase: the service's code and status, or the client's message. */
final class Describe {
    private Describe() {
    }

    static String error(SdkException e) {
        if (e instanceof AwsServiceException s && s.awsErrorDetails() != null) {
            String m = s.awsErrorDetails().errorMessage();
            return s.awsErrorDetails().errorCode() + " (HTTP " + s.statusCode() + ")" + (m == null || m.isBlank() ? "" : ": " + m);
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    static boolean accessDenied(SdkException e) {
        return e instanceof AwsServiceException s && (s.statusCode() == 403
                || (s.awsErrorDetails() != null && String.valueOf(s.awsErrorDetails().errorCode()).contains("AccessDenied")));
    }
}
