package dev.s3loader.local.runtime;

import dev.s3loader.embedded.EmbeddedPostgres;
import dev.s3loader.embedded.EmbeddedS3;
import dev.s3loader.embedded.SharedServers;
import dev.s3loader.embedded.lambda.LambdaFunction;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The two functions of the stack as the runtime-client tests start them: the shaded jars the
 * lister and loader modules build (the reactor packages them before this module's tests run), the
 * handlers the template names (HandlersTest checks the template against the jars), and the
 * variables that point their clients at the JVM's shared local servers.
 */
final class Functions {
    static final String LISTER_HANDLER = "dev.s3loader.lister.ListerHandler::handleRequest";
    static final String LOADER_HANDLER = "dev.s3loader.loader.LoaderHandler::handleRequest";

    private Functions() {
    }

    static Path listerJar() {
        return fresh(moduleTarget("lister").resolve("s3loader-lister.jar"));
    }

    static Path loaderJar() {
        return fresh(moduleTarget("loader").resolve("s3loader-loader.jar"));
    }

    /**
     * The jar, if it holds the module's latest classes: `mvn test` compiles but does not shade, so
     * a jar older than its module's classes would test old code.
     */
    private static Path fresh(Path jar) {
        Path classes = jar.resolveSibling("classes");
        if (!Files.isRegularFile(jar) || !Files.isDirectory(classes)) {
            return jar; // LambdaFunction says the jar is missing
        }
        try (Stream<Path> files = Files.walk(classes)) {
            FileTime built = Files.getLastModifiedTime(jar);
            Path newer = files.filter(f -> f.toString().endsWith(".class"))
                    .filter(f -> lastModified(f).compareTo(built) > 0).findFirst().orElse(null);
            if (newer != null) {
                throw new IllegalStateException(jar + " is older than " + newer + ": rebuild the shaded jars with "
                        + "'mvn -pl lister,loader -am package -DskipTests' (scripts/test, mvn verify, builds them first)");
            }
            return jar;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static FileTime lastModified(Path f) {
        try {
            return Files.getLastModifiedTime(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Surefire runs in this module's directory; its siblings' target/ hold the shaded jars. */
    private static Path moduleTarget(String module) {
        return Path.of(System.getProperty("basedir", ".")).toAbsolutePath().resolveSibling(module).resolve("target");
    }

    static LambdaFunction.Builder lister() {
        return LambdaFunction.builder(listerJar(), LISTER_HANDLER).name("s3loader-lister").env(awsEnv());
    }

    static LambdaFunction.Builder loader() {
        return LambdaFunction.builder(loaderJar(), LOADER_HANDLER).name("s3loader-loader").env(awsEnv());
    }

    /**
     * What the execution role and the endpoints give a function: credentials (Lambda sets them
     * from the role) and the SDK's standard endpoint variables pointing at the local servers.
     */
    static Map<String, String> awsEnv() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("AWS_ACCESS_KEY_ID", EmbeddedS3.ACCESS_KEY);
        env.put("AWS_SECRET_ACCESS_KEY", EmbeddedS3.SECRET_KEY);
        env.put("AWS_ENDPOINT_URL_S3", SharedServers.s3().endpoint().toString());
        env.put("AWS_ENDPOINT_URL_SQS", SharedServers.sqs().endpoint().toString());
        env.put("AWS_ENDPOINT_URL_CLOUDWATCH", SharedServers.cloudWatch().endpoint().toString());
        return env;
    }

    /** An event document from src/test/resources/events (copied from AWS's documentation). */
    static String event(String name) {
        try (InputStream in = Functions.class.getResourceAsStream("/events/" + name)) {
            if (in == null) {
                throw new IllegalStateException("no test resource events/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<String> keys(S3Client s3, String bucket, String prefix) {
        return s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents().stream()
                .map(S3Object::key).sorted().toList();
    }

    static Connection connect(String database) throws SQLException {
        EmbeddedPostgres pg = SharedServers.postgres();
        return DriverManager.getConnection(pg.jdbcUrl(database), pg.user(), pg.password());
    }

    static void sql(String database, String sql) throws SQLException {
        try (Connection c = connect(database); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    static long count(String database, String sql) throws SQLException {
        try (Connection c = connect(database); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
