package dev.s3loader.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/** S3Proxy's in-memory back end (transient-nio2), through the JVM-wide shared server. */
class TransientS3ProxyTest extends S3ProxyBehaviourContract {

    @Override
    protected EmbeddedS3 server() {
        return SharedServers.s3();
    }

    @Override
    protected String longestKey() {
        return key1024(false);
    }

    @Test
    void putObject_pathSegmentLongerThan255Bytes_stored() {
        String key = "incoming/" + "s".repeat(300);
        s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromString("x"));
        assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asUtf8String()).isEqualTo("x");
    }
}
