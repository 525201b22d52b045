package dev.s3loader.loader;

/**
 * One received SQS message, whatever delivered it (the Lambda event source mapping or the poller).
 *
 * @param receiveCount ApproximateReceiveCount: 1 on the first delivery
 */
public record Delivery(String messageId, String body, int receiveCount) {
    /** From SQS's ApproximateReceiveCount attribute as delivered; missing or unreadable counts as the first receive. */
    public static Delivery of(String messageId, String body, String approximateReceiveCount) {
        int count;
        try {
            count = approximateReceiveCount == null ? 1 : Integer.parseInt(approximateReceiveCount);
        } catch (NumberFormatException e) {
            count = 1;
        }
        return new Delivery(messageId, body, count);
    }
}
