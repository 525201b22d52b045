package dev.s3loader.clients;

import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpRequest;

/**
 * Removes the {@code Expect: 100-continue} header the S3 client puts on every PutObject and
 * UploadPart with a body. Add it to any S3 client that talks to S3Proxy (the embedded S3 server,
 * scripts/local, the operator's command with {@code --local} or {@code --s3-endpoint}):
 * {@code .overrideConfiguration(o -> o.addExecutionInterceptor(NoExpectContinueInterceptor.INSTANCE))}.
 *
 * <p>Why: S3Proxy's Jetty sends "100 Continue" only once S3Proxy starts reading the body. When
 * S3Proxy answers without reading it (a failed If-Match / If-None-Match precondition: 412, a
 * missing key: 404, a key ending in "/"), the JDK's HttpURLConnection, used by the url-connection
 * client, mishandles the exchange: the request fails with "Error writing request body to server"
 * or "Unexpected end of file from server" on every retry, or hangs for the 30 s socket timeout,
 * instead of returning the 412. Without the header the same requests return their real status
 * (at most one extra, harmless attempt when the server closes the connection before the body is
 * fully sent). Not needed, and not used, against AWS, which handles the header.
 */
public final class NoExpectContinueInterceptor implements ExecutionInterceptor {
    public static final NoExpectContinueInterceptor INSTANCE = new NoExpectContinueInterceptor();

    private NoExpectContinueInterceptor() {
    }

    @Override
    public SdkHttpRequest modifyHttpRequest(Context.ModifyHttpRequest context, ExecutionAttributes executionAttributes) {
        SdkHttpRequest request = context.httpRequest();
        return request.firstMatchingHeader("Expect").isPresent()
                ? request.toBuilder().removeHeader("Expect").build()
                : request;
    }
}
