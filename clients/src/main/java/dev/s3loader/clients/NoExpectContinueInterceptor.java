package dev.s3loader.clients;

import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;
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
 * fully sent).
 *
 * <p>{@link #SMALL_BODIES} drops it only for bodies under {@link #SMALL_BODY_BYTES}, and every
 * s3loader client runs with it ({@link AwsClients#overrides()}): the header saves sending a body
 * the server would refuse, which for the loader's small PUTs (probes, reports, state, manifests)
 * saves nothing, while the same small PUTs from the shipped jars against S3Proxy failed every
 * attempt with "Error writing request body to server" under load (the preflight's store probe,
 * the runtime-client tests). Large bodies (the refined zone's parts) keep it. The SDK itself
 * stopped sending it for empty bodies (aws-sdk-java-v2 #6465) and is asked for a switch (#6537).
 */
public final class NoExpectContinueInterceptor implements ExecutionInterceptor {
    /** Bodies below this size go without the header in every s3loader client ({@link #SMALL_BODIES}). */
    public static final long SMALL_BODY_BYTES = 1024 * 1024;
    /** Removes the header from every request. */
    public static final NoExpectContinueInterceptor INSTANCE = new NoExpectContinueInterceptor(true, 0);
    /** Removes it where the body's length is known and under {@link #SMALL_BODY_BYTES}. */
    public static final NoExpectContinueInterceptor SMALL_BODIES = new NoExpectContinueInterceptor(false, SMALL_BODY_BYTES);

    private final boolean everyRequest;
    private final long belowBytes;

    private NoExpectContinueInterceptor(boolean everyRequest, long belowBytes) {
        this.everyRequest = everyRequest;
        this.belowBytes = belowBytes;
    }

    @Override
    public SdkHttpRequest modifyHttpRequest(Context.ModifyHttpRequest context, ExecutionAttributes executionAttributes) {
        SdkHttpRequest request = context.httpRequest();
        if (request.firstMatchingHeader("Expect").isEmpty()) {
            return request;
        }
        // A body of unknown length may be large: SMALL_BODIES leaves its header alone.
        boolean remove = everyRequest || context.requestBody().flatMap(RequestBody::optionalContentLength)
                .filter(n -> n < belowBytes).isPresent();
        return remove ? request.toBuilder().removeHeader("Expect").build() : request;
    }
}
