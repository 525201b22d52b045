package dev.s3loader.embedded;

import java.util.function.Supplier;

/**
 * One of each server per JVM, started on first use and stopped by a shutdown hook, so that all
 * test classes of a module (one Surefire JVM) share them instead of each paying the start-up.
 *
 * <p>Sharing means sharing state: tests should use their own bucket, queue or database names
 * (e.g. derived from the test class) rather than expect an empty server.
 */
public final class SharedServers {
    private static final Lazy<EmbeddedS3> S3 = new Lazy<>(EmbeddedS3::inMemory);
    private static final Lazy<EmbeddedSqs> SQS = new Lazy<>(EmbeddedSqs::start);
    private static final Lazy<EmbeddedCloudWatch> CLOUD_WATCH = new Lazy<>(EmbeddedCloudWatch::start);
    private static final Lazy<EmbeddedPostgres> POSTGRES = new Lazy<>(EmbeddedPostgres::start);
    private static final Lazy<MotoServer> MOTO = new Lazy<>(MotoServer::start);

    private SharedServers() {
    }

    /** The JVM's in-memory S3. */
    public static EmbeddedS3 s3() {
        return S3.get();
    }

    /** The JVM's SQS. */
    public static EmbeddedSqs sqs() {
        return SQS.get();
    }

    /** The JVM's CloudWatch endpoint; call {@link EmbeddedCloudWatch#reset()} before asserting on calls. */
    public static EmbeddedCloudWatch cloudWatch() {
        return CLOUD_WATCH.get();
    }

    /** The JVM's PostgreSQL (temporary data directory). */
    public static EmbeddedPostgres postgres() {
        return POSTGRES.get();
    }

    /** The JVM's moto_server (the second S3 implementation); fails with a clear message where moto is not installed. */
    public static MotoServer moto() {
        return MOTO.get();
    }

    /** moto's S3 with the shared SQS, as {@link Endpoints}. */
    public static Endpoints motoEndpoints() {
        return moto().endpointsWith(sqs());
    }

    /** The shared S3 and SQS as {@link Endpoints}, the form tests that may also run on LocalStack take. */
    public static Endpoints endpoints() {
        return Endpoints.of(s3(), sqs());
    }

    /** Starts a server once, on first use; a failed start is retried by the next caller. */
    private static final class Lazy<T extends AutoCloseable> {
        private final Supplier<T> starter;
        private volatile T value;

        Lazy(Supplier<T> starter) {
            this.starter = starter;
        }

        T get() {
            T v = value;
            if (v != null) {
                return v;
            }
            synchronized (this) {
                if (value == null) {
                    T started = starter.get();
                    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                        try {
                            started.close();
                        } catch (Exception e) {
                            // The JVM is exiting; nothing useful to do with it.
                        }
                    }, "stop-" + started));
                    value = started;
                }
                return value;
            }
        }
    }
}
