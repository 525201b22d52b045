package dev.s3loader.local.faults;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpResponse;

/**
 * Replaces a share of a real server's HTTP responses with 503 SlowDown or 500 InternalError, per
 * attempt, so the SDK's own retry path runs as it would against a throttling AWS. The request has
 * already reached the server when its answer is replaced: the caller cannot tell whether it took
 * effect, the hardest case (a delete that happened but reports 503, a conditional write retried
 * after it succeeded). Every replaced response is counted.
 */
final class FlakyResponses implements ExecutionInterceptor {
    private static final String MARK = "x-s3loader-injected-fault";
    private final boolean json;
    private final double rate;
    private final Random random;
    private final AtomicInteger injected = new AtomicInteger();
    private volatile boolean on = true;

    private FlakyResponses(boolean json, double rate, long seed) {
        this.json = json;
        this.rate = rate;
        this.random = new Random(seed);
    }

    /** For S3 (REST-XML error bodies). */
    static FlakyResponses s3(double rate, long seed) {
        return new FlakyResponses(false, rate, seed);
    }

    /** For SQS (AWS JSON protocol error bodies). */
    static FlakyResponses sqs(double rate, long seed) {
        return new FlakyResponses(true, rate, seed);
    }

    int injected() {
        return injected.get();
    }

    void stop() {
        on = false;
    }

    @Override
    public SdkHttpResponse modifyHttpResponse(Context.ModifyHttpResponse context, ExecutionAttributes attributes) {
        boolean fault;
        boolean slowDown;
        synchronized (random) {
            fault = on && random.nextDouble() < rate;
            slowDown = random.nextBoolean();
        }
        if (!fault) {
            return context.httpResponse();
        }
        injected.incrementAndGet();
        int status = slowDown ? 503 : 500;
        return SdkHttpResponse.builder().statusCode(status)
                .statusText(slowDown ? "Slow Down" : "Internal Server Error")
                .putHeader("Content-Type", json ? "application/x-amz-json-1.0" : "application/xml")
                .putHeader("x-amzn-RequestId", "injected-" + injected.get())
                .putHeader(MARK, slowDown ? "SlowDown" : "InternalError")
                .build();
    }

    @Override
    public Optional<InputStream> modifyHttpResponseContent(Context.ModifyHttpResponse context,
                                                           ExecutionAttributes attributes) {
        Optional<String> code = context.httpResponse().firstMatchingHeader(MARK);
        if (code.isEmpty()) {
            return context.responseBody();
        }
        context.responseBody().ifPresent(FlakyResponses::discard);
        String message = "SlowDown".equals(code.get()) ? "Please reduce your request rate. (injected)"
                : "We encountered an internal error. Please try again. (injected)";
        String body = json
                ? "{\"__type\":\"" + ("SlowDown".equals(code.get()) ? "ServiceUnavailable" : "InternalError")
                        + "\",\"message\":\"" + message + "\"}"
                : "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code.get() + "</Code><Message>" + message
                        + "</Message><RequestId>injected</RequestId></Error>";
        return Optional.of(new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)));
    }

    private static void discard(InputStream in) {
        try (in) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        } catch (IOException e) {
            // The real answer is thrown away anyway.
        }
    }
}
