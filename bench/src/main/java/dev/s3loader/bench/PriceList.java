package dev.s3loader.bench;

import java.util.Map;

/**
 * List prices the cost per million files is computed with: us-east-1, S3 Standard and SQS standard
 * queues, on-demand, no free tier. Stated in the output with their date, since prices change.
 *
 * <p>These are AWS's published figures as last checked by hand (aws.amazon.com/s3/pricing and
 * /sqs/pricing); the bench's documentation corpus held no current AWS price page, so treat them
 * as assumptions and check them against the pages before quoting a cost.
 */
public final class PriceList {
    public static final String REGION = "us-east-1";
    public static final String AS_OF = "2024-12 (assumed list prices; not re-read from aws.amazon.com on the run date)";
    /** S3 Standard PUT, COPY, POST, LIST requests: USD per 1,000. */
    public static final double S3_CLASS_A_PER_1000 = 0.005;
    /** S3 Standard GET, SELECT, HEAD and all other requests: USD per 1,000. */
    public static final double S3_CLASS_B_PER_1000 = 0.0004;
    /** SQS standard queue: USD per million requests (each 64 KiB of payload is one request; messages here are small). */
    public static final double SQS_PER_MILLION = 0.40;

    private PriceList() {
    }

    /** The billing class of one "Service Operation": A, B, FREE (DELETE, abort) or SQS. */
    public static String billingClass(String serviceOperation) {
        String[] p = serviceOperation.split(" ", 2);
        String service = p[0];
        String op = p.length > 1 ? p[1] : "";
        if (service.equalsIgnoreCase("SQS")) {
            return "SQS";
        }
        if (op.startsWith("Delete") || op.equals("AbortMultipartUpload")) {
            return "FREE";
        }
        if (op.startsWith("Put") || op.startsWith("Copy") || op.startsWith("List") || op.startsWith("Upload")
                || op.startsWith("CreateMultipart") || op.startsWith("CompleteMultipart") || op.startsWith("Post")
                || op.startsWith("Create")) {
            return "A";
        }
        return "B";
    }

    /** A short API label for the table: PUT, COPY, LIST, GET, HEAD, DELETE, SQS or the operation name. */
    public static String apiLabel(String serviceOperation) {
        String[] p = serviceOperation.split(" ", 2);
        if (p[0].equalsIgnoreCase("SQS")) {
            return "SQS";
        }
        String op = p.length > 1 ? p[1] : "";
        if (op.equals("CopyObject") || op.equals("UploadPartCopy")) {
            return "COPY";
        }
        if (op.startsWith("List")) {
            return "LIST";
        }
        if (op.equals("GetObject")) {
            return "GET";
        }
        if (op.equals("HeadObject")) {
            return "HEAD";
        }
        if (op.startsWith("Delete")) {
            return "DELETE";
        }
        if (op.equals("PutObject") || op.equals("UploadPart") || op.contains("MultipartUpload")) {
            return "PUT";
        }
        return op;
    }

    /** USD for these request counts. */
    public static double cost(Map<String, Long> requests) {
        double usd = 0;
        for (var e : requests.entrySet()) {
            usd += switch (billingClass(e.getKey())) {
                case "A" -> e.getValue() * S3_CLASS_A_PER_1000 / 1000;
                case "B" -> e.getValue() * S3_CLASS_B_PER_1000 / 1000;
                case "SQS" -> e.getValue() * SQS_PER_MILLION / 1_000_000;
                default -> 0;
            };
        }
        return usd;
    }

    /** Requests that are billed (DELETE is free). */
    public static long billable(Map<String, Long> requests) {
        return requests.entrySet().stream().filter(e -> !billingClass(e.getKey()).equals("FREE"))
                .mapToLong(Map.Entry::getValue).sum();
    }
}
