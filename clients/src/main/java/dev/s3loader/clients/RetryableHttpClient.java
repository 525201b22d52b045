package dev.s3loader.clients;

import java.io.IOException;
import java.io.UncheckedIOException;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;

/**
 * Hands the SDK's retry stage the I/O errors the url-connection client hides. That client wraps
 * an IOException from opening the request body stream (a keep-alive connection the server has
 * closed, seen with PUTs under load) in an UncheckedIOException, which the SDK does not retry;
 * unwrapped, it is an ordinary retryable I/O error.
 */
public final class RetryableHttpClient implements SdkHttpClient {
    private final SdkHttpClient delegate;

    public RetryableHttpClient(SdkHttpClient delegate) {
        this.delegate = delegate;
    }

    @Override
    public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
        ExecutableHttpRequest inner = delegate.prepareRequest(request);
        return new ExecutableHttpRequest() {
            @Override
            public HttpExecuteResponse call() throws IOException {
                try {
                    return inner.call();
                } catch (UncheckedIOException e) {
                    throw e.getCause();
                }
            }

            @Override
            public void abort() {
                inner.abort();
            }
        };
    }

    @Override
    public String clientName() {
        return delegate.clientName();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
