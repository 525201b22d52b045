package dev.s3loader.loader.destination.postgres;

import dev.s3loader.clients.AwsClients;
import dev.s3loader.clients.NoExpectContinueInterceptor;
import dev.s3loader.embedded.SharedServers;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;

/**
 * A real S3 client for the shared S3 server whose GetObject bodies stall for keys containing a
 * marker: on the first read the test's hook runs (e.g. moves the test clock on, or counts a
 * worker in), then the read blocks until the stream is closed or aborted, or {@link #release}
 * lets it go on. A stalled read that nobody ends fails after a minute, so a missing abort shows
 * as a failure rather than a hung build.
 */
final class SlowBodies implements ExecutionInterceptor {
    private final String marker;
    private final Runnable onFirstRead;
    private final CountDownLatch released = new CountDownLatch(1);

    SlowBodies(String marker, Runnable onFirstRead) {
        this.marker = marker;
        this.onFirstRead = onFirstRead;
    }

    S3Client client() {
        return SharedServers.s3().newClientBuilder()
                .overrideConfiguration(AwsClients.retries().toBuilder()
                        .addExecutionInterceptor(NoExpectContinueInterceptor.INSTANCE)
                        .addExecutionInterceptor(this).build())
                .build();
    }

    /** Lets every stalled body, now and later, be read to its end. */
    void release() {
        released.countDown();
    }

    @Override
    public Optional<InputStream> modifyHttpResponseContent(Context.ModifyHttpResponse context,
                                                           ExecutionAttributes attributes) {
        SdkRequest request = context.request();
        if (request instanceof GetObjectRequest get && get.key().contains(marker) && context.responseBody().isPresent()) {
            return Optional.of(new Stalling(context.responseBody().get()));
        }
        return context.responseBody();
    }

    private final class Stalling extends FilterInputStream {
        private final CountDownLatch closed = new CountDownLatch(1);
        private boolean started;

        Stalling(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            stall();
            return super.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            stall();
            return super.read(b, off, len);
        }

        private void stall() throws IOException {
            if (started) {
                return;
            }
            started = true;
            onFirstRead.run();
            try {
                long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
                while (released.getCount() > 0 && closed.getCount() > 0) {
                    if (System.nanoTime() > until) {
                        throw new IOException("stalled body was never aborted");
                    }
                    closed.await(1, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            if (closed.getCount() == 0) {
                throw new IOException("stream closed while stalled");
            }
        }

        @Override
        public void close() throws IOException {
            closed.countDown();
            super.close();
        }
    }
}
