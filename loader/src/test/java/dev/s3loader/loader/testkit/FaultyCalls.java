package dev.s3loader.loader.testkit;

import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Makes chosen calls of a real S3 client fail as S3 does when it throttles past the SDK's retries
 * (503 SlowDown), so a test can put a real server's call in the state a production outage would.
 */
public final class FaultyCalls implements ExecutionInterceptor {
    private final CopyOnWriteArrayList<Predicate<SdkRequest>> rules = new CopyOnWriteArrayList<>();
    private final AtomicInteger refused = new AtomicInteger();

    /** Every request matching {@code rule} fails from now on. */
    public void fail(Predicate<SdkRequest> rule) {
        rules.add(rule);
    }

    public void clear() {
        rules.clear();
    }

    /** How many calls were refused so far: a test checks its fault really happened. */
    public int refused() {
        return refused.get();
    }

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        for (Predicate<SdkRequest> rule : rules) {
            if (rule.test(context.request())) {
                refused.incrementAndGet();
                throw S3Exception.builder().statusCode(503).message("Please reduce your request rate. (injected)")
                        .awsErrorDetails(AwsErrorDetails.builder().errorCode("SlowDown").serviceName("S3")
                                .errorMessage("Please reduce your request rate. (injected)").build())
                        .build();
            }
        }
    }
}
