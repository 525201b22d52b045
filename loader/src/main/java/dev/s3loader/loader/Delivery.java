package dev.s3loader.loader;

/**
 * One received SQS message, whatever delivered it (the Lambda event source mapping or the poller).
 *
 * @param receiveCount ApproximateReceiveCount: 1 on the first delivery
 */
public record Delivery(String messageId, String body, int receiveCount) {
}
