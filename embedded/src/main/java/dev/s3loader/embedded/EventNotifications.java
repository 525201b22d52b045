package dev.s3loader.embedded;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * S3 event notifications to an SQS queue, which S3Proxy does not have, emulated as AWS sends them:
 * after a successful PutObject, CopyObject or CompleteMultipartUpload whose key starts with a
 * bucket's configured prefix, one message holding one {@code ObjectCreated:*} record, the key
 * URL-encoded form-style ({@code +} for a space, slashes kept), the etag without quotes. Like a
 * bucket's notification configuration, it is set per bucket and replaced or removed as a whole.
 *
 * <p>The message is sent after the write has succeeded and before the client gets its answer (AWS
 * sends it asynchronously, usually within seconds); a send that fails is logged and lost, as an
 * event can be on AWS: the lister is the reconciler.
 */
public final class EventNotifications {
    private static final Logger LOG = Logger.getLogger(EventNotifications.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    // SQS accepts only some Unicode in a body; the encoded key is ASCII already, the rest is escaped to be safe.
    private static final ObjectWriter WRITER = JSON.writer().with(JsonWriteFeature.ESCAPE_NON_ASCII);

    /** Where a bucket's ObjectCreated events under {@code prefix} go. */
    public record Target(String prefix, SqsClient sqs, String queueUrl) {
    }

    private final Map<String, Target> targets = new ConcurrentHashMap<>();
    private final AtomicLong sequencer = new AtomicLong(System.currentTimeMillis() << 16);

    EventNotifications() {
    }

    /** Sends an event for every object created under {@code prefix} in {@code bucket} (replaces the bucket's configuration). */
    public void toQueue(String bucket, String prefix, SqsClient sqs, String queueUrl) {
        targets.put(bucket, new Target(prefix, sqs, queueUrl));
    }

    /** Removes the bucket's notification configuration: writes send nothing any more. */
    public void off(String bucket) {
        targets.remove(bucket);
    }

    /** Whether a write of {@code key} to {@code bucket} sends an event (so its size is worth reading back). */
    public boolean wanted(String bucket, String key) {
        Target t = targets.get(bucket);
        return t != null && key != null && key.startsWith(t.prefix());
    }

    /**
     * Called after a write succeeded. {@code eventName} is the part after {@code ObjectCreated:}
     * (Put, Copy, CompleteMultipartUpload).
     */
    public void created(String eventName, String bucket, String key, String etag, long size) {
        Target t = targets.get(bucket);
        if (t == null || key == null || !key.startsWith(t.prefix())) {
            return;
        }
        String body = event(eventName, bucket, key, etag, size);
        try {
            t.sqs().sendMessage(b -> b.queueUrl(t.queueUrl()).messageBody(body));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "S3 event for s3://" + bucket + "/" + key + " not sent (the lister will find the file)", e);
        }
    }

    /** The key as S3 writes it into an event: form-URL-encoded, slashes kept. */
    public static String encodeKey(String key) {
        return URLEncoder.encode(key, StandardCharsets.UTF_8).replace("%2F", "/");
    }

    private String event(String eventName, String bucket, String key, String etag, long size) {
        ObjectNode record = JSON.createObjectNode();
        record.put("eventVersion", "2.1");
        record.put("eventSource", "aws:s3");
        record.put("awsRegion", EmbeddedS3.REGION.id());
        record.put("eventTime", Instant.now().truncatedTo(ChronoUnit.MILLIS).toString());
        record.put("eventName", "ObjectCreated:" + eventName);
        record.putObject("userIdentity").put("principalId", "AWS:" + EmbeddedS3.ACCESS_KEY);
        record.putObject("requestParameters").put("sourceIPAddress", "127.0.0.1");
        ObjectNode response = record.putObject("responseElements");
        response.put("x-amz-request-id", Long.toHexString(sequencer.get()).toUpperCase());
        response.put("x-amz-id-2", "s3proxy");
        ObjectNode s3 = record.putObject("s3");
        s3.put("s3SchemaVersion", "1.0");
        s3.put("configurationId", "s3loader-incoming");
        ObjectNode b = s3.putObject("bucket");
        b.put("name", bucket);
        b.putObject("ownerIdentity").put("principalId", "S3LOADERLOCAL");
        b.put("arn", "arn:aws:s3:::" + bucket);
        ObjectNode o = s3.putObject("object");
        o.put("key", encodeKey(key));
        o.put("size", size);
        o.put("eTag", etag == null ? "" : etag.replace("\"", ""));
        o.put("sequencer", String.format("%016X", sequencer.incrementAndGet()));
        ObjectNode root = JSON.createObjectNode();
        root.putArray("Records").add(record);
        try {
            return WRITER.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
