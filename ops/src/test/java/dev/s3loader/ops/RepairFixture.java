package dev.s3loader.ops;

import dev.s3loader.embedded.EmbeddedS3;
import dev.s3loader.embedded.EmbeddedSqs;
import dev.s3loader.embedded.SharedServers;
import dev.s3loader.embedded.fixtures.TestBucket;
import dev.s3loader.lister.ListerService;
import dev.s3loader.lister.ListerWiring;
import dev.s3loader.lister.Backlog;
import dev.s3loader.loader.BatchOutcome;
import dev.s3loader.loader.Delivery;
import dev.s3loader.loader.LoaderWiring;
import dev.s3loader.model.ErrorReport;
import dev.s3loader.model.InFlight;
import dev.s3loader.model.Layout;
import dev.s3loader.model.ListerConfig;
import dev.s3loader.model.ListerState;
import dev.s3loader.model.LoaderConfig;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * A bucket, a queue with its dead-letter queue, and a table of their own on the JVM's shared
 * servers, the real lister and loader over them, and the command line pointed at them as
 * {@code --local} would be.
 */
final class RepairFixture implements AutoCloseable {
    static final Layout LAYOUT = Layout.defaults();

    final EmbeddedS3 server = SharedServers.s3();
    final EmbeddedSqs sqsServer = SharedServers.sqs();
    final S3Client s3 = server.newClient();
    final SqsClient sqs = sqsServer.newClient();
    final String name = "repair-" + UUID.randomUUID().toString().substring(0, 12);
    final String bucket = name;
    final EmbeddedSqs.Queues queues = sqsServer.createQueueWithDeadLetterQueue(name, 3, Duration.ofSeconds(30));
    final String table = "t_" + name.replace('-', '_');
    final TestBucket files = new TestBucket(s3, bucket);
    private final List<LoaderWiring> loaders = new ArrayList<>();

    RepairFixture() {
        server.createBucket(bucket);
    }

    String put(String key, String content) {
        return files.put(key, content);
    }

    String get(String key) {
        return files.get(key);
    }

    boolean exists(String key) {
        return files.exists(key);
    }

    /** A file the loader gave up on, as the loader leaves it: failed/rel and its report. */
    String failed(String relative, String content, String reason) {
        String etag = put(LAYOUT.failed() + relative, content);
        String incomingKey = LAYOUT.incoming() + relative;
        put(LAYOUT.errorReportKey(incomingKey), new ErrorReport(incomingKey, etag, LAYOUT.failed() + relative, reason, 1,
                Instant.now(), Map.of()).toJson());
        return etag;
    }

    /** Every key of the bucket with its etag, in listing order: a picture to compare before and after. */
    Map<String, String> snapshot() {
        return files.snapshot();
    }

    List<String> keys(String prefix) {
        return files.keys(prefix);
    }

    void writeState(NavigableMap<String, InFlight> entries) {
        s3.putObject(b -> b.bucket(bucket).key(LAYOUT.listerStateKey()), RequestBody.fromBytes(new ListerState(entries).encode()));
    }

    ListerState state() {
        return ListerState.decode(s3.getObjectAsBytes(b -> b.bucket(bucket).key(LAYOUT.listerStateKey())).asByteArray());
    }

    // --- the real lister and loader ---------------------------------------------------------

    ListerService lister() {
        ListerConfig config = new ListerConfig(bucket, LAYOUT, queues.queueUrl(), "p", "s3loader", 1000,
                Duration.ofMinutes(5), 5, Duration.ZERO, 1, Duration.ZERO);
        AtomicReference<Backlog> last = new AtomicReference<>();
        return ListerWiring.service(config, s3, sqs, last::set, Clock.systemUTC());
    }

    /** A postgres loader into this fixture's table (one bigint column unless changed). */
    LoaderWiring postgresLoader() {
        var pg = SharedServers.postgres();
        Map<String, String> env = new HashMap<>();
        env.put("BUCKET", bucket);
        env.put("DESTINATION", "postgres");
        env.put("DB_URL", pg.jdbcUrl());
        env.put("DB_USER", pg.user());
        env.put("DB_PASSWORD", pg.password());
        env.put("DB_SSL_MODE", "disable");
        env.put("DB_TABLE", table);
        env.put("DB_LEDGER_TABLE", table + "_ledger");
        LoaderWiring l = new LoaderWiring(LoaderConfig.fromEnv(env), new LoaderWiring.Clients(s3, () -> {
            throw new IllegalStateException("no Redshift here");
        }), line -> { }, Clock.systemUTC());
        loaders.add(l);
        return l;
    }

    /** Receives what the queue holds and gives it to the loader, as the poller does, until the queue is empty. */
    int drain(LoaderWiring loader) {
        int handled = 0;
        while (true) {
            List<Message> batch = sqs.receiveMessage(r -> r.queueUrl(queues.queueUrl()).maxNumberOfMessages(10)
                    .waitTimeSeconds(0).visibilityTimeout(30)
                    .messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)).messages();
            if (batch.isEmpty()) {
                return handled;
            }
            BatchOutcome outcome = loader.processor().process(batch.stream().map(m -> Delivery.of(m.messageId(), m.body(),
                    m.attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT))).toList());
            for (Message m : batch) {
                if (!outcome.failedMessageIds().contains(m.messageId())) {
                    sqs.deleteMessage(d -> d.queueUrl(queues.queueUrl()).receiptHandle(m.receiptHandle()));
                }
            }
            handled += batch.size();
        }
    }

    long depth(String queueUrl) {
        var a = sqs.getQueueAttributes(b -> b.queueUrl(queueUrl).attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
        return Long.parseLong(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
                + Long.parseLong(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
    }

    List<Message> receiveAll(String queueUrl) {
        List<Message> all = new ArrayList<>();
        while (true) {
            List<Message> batch = sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(10).waitTimeSeconds(0)
                    .visibilityTimeout(60)).messages();
            if (batch.isEmpty()) {
                return all;
            }
            all.addAll(batch);
        }
    }

    void sql(String statement) {
        try (Connection c = SharedServers.postgres().connect(); Statement st = c.createStatement()) {
            st.execute(statement);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    List<String> column(String query) {
        List<String> out = new ArrayList<>();
        try (Connection c = SharedServers.postgres().connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(query)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    // --- the command line ------------------------------------------------------------------

    /** {@code s3loader VERB --local --bucket B args…} with scripts/local's port variables set to the shared servers. */
    AuditFixture.Run run(String verb, String... args) {
        List<String> all = new ArrayList<>(List.of(verb, "--local", "--bucket", bucket));
        all.addAll(List.of(args));
        Map<String, String> env = new HashMap<>();
        env.put("S3LOADER_S3_PORT", String.valueOf(server.port()));
        env.put("S3LOADER_SQS_PORT", String.valueOf(sqsServer.port()));
        return AuditFixture.run(env, all.toArray(String[]::new));
    }

    /** The redrive verb against this fixture's queues. */
    AuditFixture.Run redrive(String... args) {
        List<String> all = new ArrayList<>(List.of("--queue-url", queues.queueUrl(), "--dead-letter-queue-url",
                queues.deadLetterQueueUrl()));
        all.addAll(List.of(args));
        return run("redrive", all.toArray(String[]::new));
    }

    @Override
    public void close() {
        loaders.forEach(LoaderWiring::close);
        s3.close();
        sqs.close();
    }
}
