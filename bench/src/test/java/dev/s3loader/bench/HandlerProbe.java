package dev.s3loader.bench;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import com.sun.management.GarbageCollectionNotificationInfo;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * One cold start of a Lambda handler, in a fresh JVM whose class path is the shaded Lambda jar
 * plus this class only: the handler is constructed by reflection as the Lambda runtime does
 * (static init, configuration from the environment, clients), then handles one event end to end
 * against the local servers the parent started. Prints one PROBE line: milliseconds from the
 * parent's launch of this JVM to the handler constructed and to the event handled, the handler's
 * answer, and the memory it took (the most live heap after any GC, the heap pools' peaks, and
 * the process's peak resident set, which is what Lambda reports as Max Memory Used).
 *
 * <p>Uses nothing outside the JDK and the shaded jar, so that it measures what Lambda loads.
 */
public final class HandlerProbe {
    private static final AtomicLong LIVE_PEAK = new AtomicLong();
    private static final AtomicLong GCS = new AtomicLong();

    private HandlerProbe() {
    }

    /** Args: {@code lister|loader}, the parent's launch time (epoch ms), and for the loader the SQS message body. */
    public static void main(String[] args) throws Exception {
        watchGcs();
        long launched = Long.parseLong(args[1]);
        String handlerClass = args[0].equals("lister") ? "dev.s3loader.lister.ListerHandler" : "dev.s3loader.loader.LoaderHandler";
        Object instance = Class.forName(handlerClass).getDeclaredConstructor().newInstance();
        long constructed = System.currentTimeMillis() - launched;
        String outcome;
        if (instance instanceof RequestStreamHandler stream) {
            // The loader reads the event's JSON itself: hand it the bytes Lambda would.
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            stream.handleRequest(new ByteArrayInputStream(sqsEventJson(args[2]).getBytes(StandardCharsets.UTF_8)), answer,
                    new LambdaContext());
            String text = answer.toString(StandardCharsets.UTF_8);
            outcome = "failures=" + (text.split("itemIdentifier", -1).length - 1);
        } else {
            @SuppressWarnings("unchecked")
            RequestHandler<Object, Object> handler = (RequestHandler<Object, Object>) instance;
            Object answer = handler.handleRequest(event(args), new LambdaContext());
            outcome = answer instanceof SQSBatchResponse r ? "failures=" + r.getBatchItemFailures().size()
                    : "summary=" + String.valueOf(answer).replace(' ', '_');
        }
        long handled = System.currentTimeMillis() - launched;
        long poolPeaks = ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
                .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
        System.out.printf("PROBE constructed=%d handled=%d %s livePeak=%d poolPeaks=%d rssPeak=%d gcs=%d maxHeap=%d%n",
                constructed, handled, outcome, LIVE_PEAK.get(), poolPeaks, rssPeakBytes(), GCS.get(),
                Runtime.getRuntime().maxMemory());
        // The loader's worker threads are daemons, the SDK's are not all: end the JVM as Lambda would freeze it.
        System.exit(0);
    }

    private static Object event(String[] args) {
        if (args[0].equals("lister")) {
            ScheduledEvent e = new ScheduledEvent();
            e.setSource("aws.events");
            e.setDetailType("Scheduled Event");
            return e;
        }
        SQSEvent.SQSMessage m = new SQSEvent.SQSMessage();
        m.setMessageId("probe-1");
        m.setBody(args[2]);
        m.setAttributes(Map.of("ApproximateReceiveCount", "1"));
        SQSEvent e = new SQSEvent();
        e.setRecords(List.of(m));
        return e;
    }

    /** One SQS record as the event source mapping writes it (the fields the loader reads, the rest as documented). */
    private static String sqsEventJson(String body) {
        StringBuilder b = new StringBuilder("{\"Records\":[{\"messageId\":\"probe-1\",\"receiptHandle\":\"probe\",\"body\":\"");
        for (char c : body.toCharArray()) {
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append("\",\"attributes\":{\"ApproximateReceiveCount\":\"1\"},\"messageAttributes\":{},")
                .append("\"eventSource\":\"aws:sqs\",\"awsRegion\":\"us-east-1\"}]}").toString();
    }

    /** Live heap = heap in use right after a collection; its maximum over the run is what the work needs. */
    private static void watchGcs() {
        for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            ((NotificationEmitter) gc).addNotificationListener((n, handback) -> {
                if (!n.getType().equals(GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) {
                    return;
                }
                var info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
                long after = 0;
                for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                    var usage = info.getGcInfo().getMemoryUsageAfterGc().get(pool.getName());
                    if (pool.getType() == MemoryType.HEAP && usage != null) {
                        after += usage.getUsed();
                    }
                }
                GCS.incrementAndGet();
                LIVE_PEAK.accumulateAndGet(after, Math::max);
            }, null, null);
        }
    }

    private static long rssPeakBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux: no figure.
        }
        return -1;
    }

    /** What the Lambda runtime passes: here only the time left matters (a 15-minute function). */
    private static final class LambdaContext implements Context {
        private final long deadline = System.currentTimeMillis() + 900_000;

        @Override
        public String getAwsRequestId() {
            return "probe";
        }

        @Override
        public String getLogGroupName() {
            return "probe";
        }

        @Override
        public String getLogStreamName() {
            return "probe";
        }

        @Override
        public String getFunctionName() {
            return "probe";
        }

        @Override
        public String getFunctionVersion() {
            return "$LATEST";
        }

        @Override
        public String getInvokedFunctionArn() {
            return "arn:aws:lambda:us-east-1:000000000000:function:probe";
        }

        @Override
        public CognitoIdentity getIdentity() {
            return null;
        }

        @Override
        public ClientContext getClientContext() {
            return null;
        }

        @Override
        public int getRemainingTimeInMillis() {
            return (int) Math.max(0, deadline - System.currentTimeMillis());
        }

        @Override
        public int getMemoryLimitInMB() {
            return 1024;
        }

        @Override
        public LambdaLogger getLogger() {
            return null;
        }
    }
}
