package dev.s3loader.loader.poller;

import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchResponse;

/** Counts the visibility extensions SQS accepted: the poller's heartbeat, seen on the wire. */
final class Heartbeats implements ExecutionInterceptor {
    final AtomicInteger accepted = new AtomicInteger();

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
        if (context.response() instanceof ChangeMessageVisibilityBatchResponse r && r.failed().isEmpty()
                && !r.successful().isEmpty()) {
            accepted.incrementAndGet();
        }
    }
}
