package dev.s3loader.lister;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3loader.clients.AwsClients;
import dev.s3loader.embedded.EmbeddedS3;
import dev.s3loader.embedded.SharedServers;
import dev.s3loader.embedded.SdkClients;
import dev.s3loader.model.InFlight;
import dev.s3loader.model.ListerState;
import java.io.IOException;
import java.time.Instant;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.services.s3.S3Client;

class StateStoreTest {
    private static final String KEY = "_s3loader/lister-state";

    /**
     * An HTTP client that sends the first PUT to the server, which stores it, and then loses the
     * answer (the connection breaks): the SDK retries the write, as it does after any I/O error.
     */
    private static final class LosesFirstPutAnswer implements SdkHttpClient {
        private final SdkHttpClient delegate = AwsClients.http();
        final AtomicInteger lost = new AtomicInteger();

        @Override
        public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
            ExecutableHttpRequest inner = delegate.prepareRequest(request);
            return new ExecutableHttpRequest() {
                @Override
                public HttpExecuteResponse call() throws IOException {
                    HttpExecuteResponse response = inner.call();
                    if (request.httpRequest().method() == SdkHttpMethod.PUT && lost.getAndIncrement() == 0) {
                        response.responseBody().ifPresent(b -> {
                            try {
                                b.close();
                            } catch (IOException e) {
                                // Lost anyway.
                            }
                        });
                        throw new IOException("Connection reset (the answer to a write that landed)");
                    }
                    return response;
                }

                @Override
                public void abort() {
                    inner.abort();
                }
            };
        }

        @Override
        public void close() {
            delegate.close();
        }
    }

    private static S3Client client(SdkHttpClient http) {
        EmbeddedS3 server = SharedServers.s3();
        return SdkClients.s3(server.endpoint(), server.region(), server.accessKey(), server.secretKey()).httpClient(http).build();
    }

    private static ListerState state(String etag) {
        TreeMap<String, InFlight> entries = new TreeMap<>();
        entries.put("incoming/a b.csv", new InFlight(etag, Instant.parse("2026-11-30T12:00:00Z"), 1));
        return new ListerState(entries);
    }

    @Test
    void save_firstWriteLandsButItsAnswerIsLost_retryKnowsItsOwnWrite() {
        // Arrange: a fresh bucket, no state yet; the first PUT's answer is lost.
        String bucket = "state-" + UUID.randomUUID().toString().substring(0, 8);
        SharedServers.s3().createBucket(bucket);
        LosesFirstPutAnswer http = new LosesFirstPutAnswer();
        try (S3Client s3 = client(http)) {
            StateStore store = new StateStore(s3, bucket, KEY);

            // Act: If-None-Match: * on the first attempt (stored), then the SDK's retry (412).
            boolean saved = store.save(state("\"e1\""), Optional.empty());

            // Assert
            assertThat(http.lost).as("PUT attempts").hasValueGreaterThanOrEqualTo(2);
            assertThat(saved).as("the run's own write is not another writer's").isTrue();
            assertThat(store.load().state().entries()).isEqualTo(state("\"e1\"").entries());
        }
    }

    @Test
    void save_writeOverReadVersionLandsButItsAnswerIsLost_retryKnowsItsOwnWrite() {
        // Arrange: a state object read at its etag; the If-Match PUT's answer is lost.
        String bucket = "state-" + UUID.randomUUID().toString().substring(0, 8);
        SharedServers.s3().createBucket(bucket);
        LosesFirstPutAnswer http = new LosesFirstPutAnswer();
        try (S3Client plain = SharedServers.s3().newClient(); S3Client s3 = client(http)) {
            String etag = plain.putObject(b -> b.bucket(bucket).key(KEY), RequestBody.fromBytes(state("\"e0\"").encode())).eTag();
            StateStore store = new StateStore(s3, bucket, KEY);

            // Act
            boolean saved = store.save(state("\"e2\""), Optional.of(etag));

            // Assert
            assertThat(saved).isTrue();
            assertThat(store.load().state().entries()).isEqualTo(state("\"e2\"").entries());
        }
    }

    @Test
    void save_anotherWriterChangedTheState_conflict() {
        // Arrange: read at one version, then another lister writes a different state.
        String bucket = "state-" + UUID.randomUUID().toString().substring(0, 8);
        SharedServers.s3().createBucket(bucket);
        try (S3Client s3 = SharedServers.s3().newClient()) {
            String etag = s3.putObject(b -> b.bucket(bucket).key(KEY), RequestBody.fromBytes(state("\"e0\"").encode())).eTag();
            s3.putObject(b -> b.bucket(bucket).key(KEY), RequestBody.fromBytes(state("\"other\"").encode()));
            StateStore store = new StateStore(s3, bucket, KEY);

            // Act
            boolean saved = store.save(state("\"mine\""), Optional.of(etag));

            // Assert: the other writer's state stands.
            assertThat(saved).isFalse();
            assertThat(store.load().state().entries()).isEqualTo(state("\"other\"").entries());
        }
    }
}
