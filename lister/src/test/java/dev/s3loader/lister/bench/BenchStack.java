package dev.s3loader.lister.bench;

import dev.s3loader.embedded.SdkClients;
import dev.s3loader.lister.ListerService;
import dev.s3loader.lister.ListerWiring;
import dev.s3loader.model.FileMessage;
import dev.s3loader.model.ListerConfig;
import dev.s3loader.model.ListerState;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The real lister's surroundings for the benchmark and its tests: a {@link PagingS3Server} over
 * synthetic keys, a {@link CountingSqsServer}, SDK clients built as production builds them, and a
 * record of what was dispatched (each key's first message, and every duplicate or unknown key).
 * With {@code instantFleet}, every message sent is "loaded" at once: its file leaves the listing
 * and the queue stays empty, the most demanding case for the lister's refill.
 */
public final class BenchStack implements AutoCloseable {
    public static final String BUCKET = "bench";
    private final SyntheticKeys keys;
    private final boolean instantFleet;
    private final PagingS3Server s3Server;
    private final CountingSqsServer sqsServer;
    private final S3Client s3;
    private final SqsClient sqs;
    private final AtomicLongArray dispatched;
    private final AtomicLong dispatchedKeys = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong unknown = new AtomicLong();

    public BenchStack(SyntheticKeys keys, Duration pageLatency, boolean instantFleet) {
        this.keys = keys;
        this.instantFleet = instantFleet;
        this.dispatched = new AtomicLongArray((int) ((keys.count() + 63) / 64));
        this.s3Server = new PagingS3Server(BUCKET, keys, pageLatency);
        this.sqsServer = new CountingSqsServer(this::onMessage, () -> instantFleet ? 0 : sqsServerMessages());
        this.s3 = SdkClients.s3(s3Server.endpoint(), Region.US_EAST_1, "bench", "bench").build();
        this.sqs = SdkClients.sqs(sqsServer.endpoint(), Region.US_EAST_1, "bench", "bench").build();
    }

    private long sqsServerMessages() {
        return sqsServer == null ? 0 : sqsServer.messages();
    }

    private void onMessage(String body) {
        long i = keys.indexOf(FileMessage.fromJson(body).key());
        if (i < 0) {
            unknown.incrementAndGet();
            return;
        }
        int w = (int) (i >>> 6);
        long bit = 1L << (i & 63);
        long old = dispatched.getAndAccumulate(w, bit, (a, b) -> a | b);
        if ((old & bit) != 0) {
            duplicates.incrementAndGet();
        } else {
            dispatchedKeys.incrementAndGet();
        }
        if (instantFleet) {
            keys.remove(i);
        }
    }

    /** The production wiring ({@link ListerService#wire}) with these settings over this stack's clients. */
    public ListerService lister(String... settings) {
        Map<String, String> env = new HashMap<>(Map.of("BUCKET", BUCKET, "QUEUE_URL", sqsServer.queueUrl()));
        for (int i = 0; i < settings.length; i += 2) {
            env.put(settings[i], settings[i + 1]);
        }
        return ListerWiring.service(ListerConfig.fromEnv(env), s3, sqs, backlog -> { }, Clock.systemUTC());
    }

    /** The lister's saved state, or an empty one before its first run. */
    public ListerState state() {
        byte[] bytes = s3Server.object("_s3loader/lister-state");
        return bytes == null ? ListerState.empty() : ListerState.decode(bytes);
    }

    public SyntheticKeys keys() {
        return keys;
    }

    public S3Client s3() {
        return s3;
    }

    public PagingS3Server s3Server() {
        return s3Server;
    }

    public CountingSqsServer sqsServer() {
        return sqsServer;
    }

    /** Keys that got at least one message. */
    public long dispatchedKeys() {
        return dispatchedKeys.get();
    }

    /** Messages for a key that already had one. */
    public long duplicates() {
        return duplicates.get();
    }

    /** Messages for keys that are none of the synthetic keys. */
    public long unknown() {
        return unknown.get();
    }

    public boolean wasDispatched(long i) {
        return (dispatched.get((int) (i >>> 6)) & (1L << (i & 63))) != 0;
    }

    @Override
    public void close() {
        s3.close();
        sqs.close();
        s3Server.close();
        sqsServer.close();
    }
}
