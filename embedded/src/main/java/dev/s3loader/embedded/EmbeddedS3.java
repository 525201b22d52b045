package dev.s3loader.embedded;

import dev.s3loader.embedded.internal.DrainRequestBody;
import dev.s3loader.embedded.internal.EventNotifyingBlobStore;
import dev.s3loader.embedded.internal.KeyEscapingBlobStore;
import dev.s3loader.embedded.internal.RawXmlCharacters;
import dev.s3loader.embedded.internal.UnfinishedWrites;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;

/**
 * A real S3 server (S3Proxy) running in this JVM on 127.0.0.1.
 *
 * <p>It checks AWS signatures (V2 or V4) against fixed credentials, so a client with wrong
 * credentials fails here as it would against AWS. Two back ends:
 * <ul>
 *   <li>{@link #inMemory(int)}: {@code transient-nio2}, an in-memory file system; for tests.</li>
 *   <li>{@link #onDisk(Path, int)}: {@code filesystem-nio2} under a directory; objects survive a
 *       restart (local mode). Each bucket is a sub-directory, each key a file path.</li>
 * </ul>
 */
public final class EmbeddedS3 implements AutoCloseable {
    public static final String ACCESS_KEY = "s3loader";
    public static final String SECRET_KEY = "s3loader-secret";
    public static final Region REGION = Region.US_EAST_1;

    private final BlobStore blobStore;
    private final EventNotifications events;
    private final S3Proxy proxy;
    private final URI endpoint;

    private EmbeddedS3(BlobStore store, int port) {
        this.events = new EventNotifications();
        this.blobStore = new EventNotifyingBlobStore(store, events);
        this.proxy = S3Proxy.builder()
                .blobStore(blobStore)
                .endpoint(URI.create("http://127.0.0.1:" + port))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                // Otherwise S3Proxy answers 501 NotImplemented to any x-amz header it does not
                // know, and each SDK release adds some; AWS ignores unknown headers too.
                .ignoreUnknownHeaders(true)
                // Do not wait for idle keep-alive connections on close: nothing is in flight then.
                .stopTimeout(0)
                .build();
        // Precondition failures must reach the client as 412, not as a broken connection.
        DrainRequestBody.install(proxy);
        // A key XML cannot carry must not cut an answer short.
        RawXmlCharacters.install(proxy);
        try {
            proxy.start();
            // Jetty is started when start() returns; the loop only guards a slow transition.
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!"STARTED".equals(proxy.getState())) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("S3Proxy did not start: " + proxy.getState());
                }
                Thread.sleep(10);
            }
        } catch (Exception e) {
            closeQuietly();
            throw new IllegalStateException("cannot start S3Proxy on 127.0.0.1:" + port, e);
        }
        this.endpoint = URI.create("http://127.0.0.1:" + proxy.getPort());
    }

    /** An in-memory S3 on the given port (0 = any free port). Contents vanish on close. */
    public static EmbeddedS3 inMemory(int port) {
        return new EmbeddedS3(new KeyEscapingBlobStore(new TransientNio2BlobStore()), port);
    }

    /** An in-memory S3 on a free port. */
    public static EmbeddedS3 inMemory() {
        return inMemory(0);
    }

    /**
     * An S3 whose buckets are directories under {@code directory} (created if missing), on the
     * given port (0 = any free port). Objects written before a restart are there after it; writes
     * a crash left unfinished (S3Proxy's temporary files) are deleted before the server starts.
     */
    public static EmbeddedS3 onDisk(Path directory, int port) {
        Objects.requireNonNull(directory, "directory");
        try {
            Files.createDirectories(directory);
            Path root = directory.toRealPath();
            UnfinishedWrites.sweep(root);
            return new EmbeddedS3(new KeyEscapingBlobStore(new FilesystemNio2BlobStore(root.toString())), port);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot use " + directory + " for S3 data", e);
        }
    }

    /** Base URL, e.g. {@code http://127.0.0.1:41234}; use it as the SDK's endpoint override. */
    public URI endpoint() {
        return endpoint;
    }

    public int port() {
        return endpoint.getPort();
    }

    public String accessKey() {
        return ACCESS_KEY;
    }

    public String secretKey() {
        return SECRET_KEY;
    }

    public Region region() {
        return REGION;
    }

    /** A new real S3 client for this server (path-style, static credentials); the caller closes it. */
    public S3Client newClient() {
        return newClientBuilder().build();
    }

    /** A builder already configured for this server, for tests that adjust e.g. checksum settings. */
    public S3ClientBuilder newClientBuilder() {
        return SdkClients.s3(endpoint, REGION, ACCESS_KEY, SECRET_KEY);
    }

    /** The buckets' event notification configurations (none until one is set): S3's, which S3Proxy lacks. */
    public EventNotifications events() {
        return events;
    }

    /** Creates the bucket unless it exists already. */
    public void createBucket(String bucket) {
        try (S3Client s3 = newClient()) {
            s3.createBucket(b -> b.bucket(bucket));
        } catch (BucketAlreadyOwnedByYouException e) {
            // Already there: what the caller wanted.
        }
    }

    @Override
    public void close() {
        closeQuietly();
    }

    private void closeQuietly() {
        try {
            proxy.stop();
        } catch (Exception e) {
            // Stopping a server that failed to start can throw; nothing else to release.
        }
        blobStore.close();
    }

    @Override
    public String toString() {
        return "EmbeddedS3[" + endpoint + "]";
    }
}
