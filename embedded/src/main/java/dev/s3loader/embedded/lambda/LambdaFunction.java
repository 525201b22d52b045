package dev.s3loader.embedded.lambda;

import dev.s3loader.embedded.lambda.LambdaRuntimeApi.Answer;
import dev.s3loader.embedded.lambda.LambdaRuntimeApi.InitError;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * A Lambda function's execution environment on this machine, started as Lambda's managed Java
 * runtime starts it: a fresh JVM, with Lambda's flags, running AWS's runtime interface client
 * ({@code com.amazonaws.services.lambda.runtime.api.client.AWSLambda <handler>} from
 * {@code com.amazonaws:aws-lambda-java-runtime-interface-client}) with only the runtime's jars on
 * its class path; the function's deployment package unzipped into its own task root, which is the
 * working directory (the runtime client loads the handler from there, as from /var/task); a clean
 * environment holding the variables Lambda defines (AWS's "Defined runtime environment variables",
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime)
 * plus the function's own; and {@code AWS_LAMBDA_RUNTIME_API} pointing at a {@link LambdaRuntimeApi}
 * of its own. The runtime client deserialises each event and serialises the handler's answer
 * itself, so what the handler's signature promises is checked by the code Lambda runs.
 *
 * <p>The runtime client's jars are taken from the caller's class path: a module using this adds
 * {@code com.amazonaws:aws-lambda-java-runtime-interface-client} as a test dependency.
 *
 * <p>Usage: {@code try (var fn = LambdaFunction.builder(jar, "pkg.Handler::handleRequest").env(vars).start()) {
 * Answer a = fn.invoke(eventJson); }}
 */
public final class LambdaFunction implements AutoCloseable {
    public static final String RUNTIME_CLIENT_MAIN = "com.amazonaws.services.lambda.runtime.api.client.AWSLambda";
    /** The runtime client's native part, unpacked once per JVM (see {@link #nativeLibrary()}). */
    static final String NATIVE_LIBRARY_PROPERTY = "com.amazonaws.services.lambda.runtime.api.client.runtimeapi.NativeClient.JNI";
    /** One class from each jar Lambda's Java runtime puts on the class path (/var/runtime/lib). */
    private static final List<String> RUNTIME_CLASSES = List.of(
            "com/amazonaws/services/lambda/runtime/api/client/AWSLambda.class", // the runtime interface client
            "com/amazonaws/services/lambda/runtime/Context.class", // aws-lambda-java-core
            "com/amazonaws/services/lambda/runtime/serialization/PojoSerializer.class", // aws-lambda-java-serialization
            "software/amazon/awssdk/utilslite/SdkInternalThreadLocal.class"); // the client's utils-lite
    private static final Map<String, Path> TASK_ROOTS = new ConcurrentHashMap<>();
    private static volatile Path nativeLibrary;

    private final LambdaRuntimeApi api;
    private final Process process;
    private final String functionArn;
    private final Duration timeout;
    private final long launchedAtMs;
    private final StringBuilder output = new StringBuilder();
    private final Thread reader;

    private LambdaFunction(Builder b) {
        this.timeout = b.timeout;
        this.functionArn = "arn:aws:lambda:" + b.region + ":123456789012:function:" + b.name;
        Path taskRoot = taskRoot(b.code);
        this.api = LambdaRuntimeApi.start();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(lambdaJvmFlags(b.memoryMb));
        command.add("-D" + NATIVE_LIBRARY_PROPERTY + "=" + nativeLibrary());
        command.add("-cp");
        command.add(String.join(":", runtimeClasspath().stream().map(Path::toString).toList()));
        command.add(RUNTIME_CLIENT_MAIN);
        command.add(b.handler);
        ProcessBuilder pb = new ProcessBuilder(command).directory(taskRoot.toFile()).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        String path = System.getenv("PATH");
        env.clear();
        env.put("PATH", path == null ? "/usr/local/bin:/usr/bin:/bin" : path);
        env.putAll(definedVariables(b, taskRoot, api.address()));
        env.putAll(b.env);
        try {
            this.launchedAtMs = System.currentTimeMillis();
            this.process = pb.start();
        } catch (IOException e) {
            api.close();
            throw new UncheckedIOException("cannot start the function's JVM", e);
        }
        this.reader = Thread.ofPlatform().daemon(true).name("lambda-" + b.name + "-output").start(this::readOutput);
    }

    public static Builder builder(Path code, String handler) {
        return new Builder(code, handler);
    }

    /** What a function is configured with; defaults: 1024 MB (the template's), a 60 s timeout (shorter, for tests). */
    public static final class Builder {
        private final Path code;
        private final String handler;
        private String name = "s3loader-test";
        private String region = "us-east-1";
        private int memoryMb = 1024;
        private Duration timeout = Duration.ofSeconds(60);
        private final Map<String, String> env = new LinkedHashMap<>();

        private Builder(Path code, String handler) {
            this.code = Objects.requireNonNull(code);
            this.handler = Objects.requireNonNull(handler);
        }

        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** AWS_REGION and AWS_DEFAULT_REGION, and the function ARN's region. */
        public Builder region(String region) {
            this.region = region;
            return this;
        }

        public Builder memoryMb(int memoryMb) {
            this.memoryMb = memoryMb;
            return this;
        }

        /** The function's timeout: each invocation's deadline is this after the runtime takes the event. */
        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /** The function's own variables (the template's Environment), credentials and endpoints. */
        public Builder env(Map<String, String> vars) {
            env.putAll(vars);
            return this;
        }

        public Builder env(String name, String value) {
            env.put(name, value);
            return this;
        }

        public LambdaFunction start() {
            return new LambdaFunction(this);
        }
    }

    /**
     * Invokes the function with one event and waits for its answer. Past the deadline the function
     * is stopped, as Lambda stops it, and the answer is {@link LambdaRuntimeApi.Status#TIMED_OUT}.
     *
     * @throws IllegalStateException if the runtime ends, or never takes the event; with its output
     */
    public Answer invoke(String eventJson) {
        LambdaRuntimeApi.Invocation inv = api.invoke(eventJson, timeout, functionArn);
        // The first event waits for the init phase; a loaded machine may take a while.
        long takeBy = System.currentTimeMillis() + TimeUnit.MINUTES.toMillis(3);
        while (true) {
            if (inv.answer().isDone()) {
                return inv.answer().join();
            }
            Long deadline = api.deadlineOf(inv.requestId());
            long now = System.currentTimeMillis();
            if (deadline != null && now > deadline + 1_000) {
                api.timedOut(inv.requestId());
                process.destroyForcibly();
                return inv.answer().join();
            }
            if (!process.isAlive() && !inv.answer().isDone()) {
                throw new IllegalStateException("the function's runtime exited (" + exitValue() + ") before answering:\n"
                        + output());
            }
            if (deadline == null && now > takeBy) {
                throw new IllegalStateException("the function's runtime did not take the event:\n" + output());
            }
            sleep(20);
        }
    }

    /** Waits for the runtime to report a failed initialisation (and to exit, as the runtime client does). */
    public InitError initError() {
        try {
            InitError e = api.initError().get(3, TimeUnit.MINUTES);
            process.waitFor(30, TimeUnit.SECONDS);
            return e;
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("no init error reported; the function's output:\n" + output());
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The function's process: running, or its exit code. */
    public boolean isAlive() {
        return process.isAlive();
    }

    public int exitValue() {
        return process.isAlive() ? Integer.MIN_VALUE : process.exitValue();
    }

    /** Epoch ms when the JVM was launched. */
    public long launchedAtMs() {
        return launchedAtMs;
    }

    /**
     * Milliseconds from launching the JVM to the runtime's first request for an event: Lambda's
     * "Init Duration" (the handler class loaded and constructed). Waits for it.
     */
    public long initDurationMs() {
        return api.firstNext().join() - launchedAtMs;
    }

    /** What the function wrote to stdout and stderr so far (what Lambda sends to CloudWatch Logs). */
    public String output() {
        synchronized (output) {
            return output.toString();
        }
    }

    public String functionArn() {
        return functionArn;
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
            reader.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        api.close();
    }

    private void readOutput() {
        try (var in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                synchronized (output) {
                    output.append(line).append('\n');
                }
            }
        } catch (IOException e) {
            // The process ended.
        }
    }

    /**
     * The JVM flags of Lambda's java21 runtime: client compiler only, the serial collector, class
     * data sharing, a heap of about 85% of the function's memory.
     */
    public static List<String> lambdaJvmFlags(int memoryMb) {
        return List.of("-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto",
                "-Xmx" + (memoryMb * 85 / 100) + "m");
    }

    /** The variables Lambda defines for every function (reserved: a function cannot set them). */
    private static Map<String, String> definedVariables(Builder b, Path taskRoot, String runtimeApi) {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("_HANDLER", b.handler);
        v.put("AWS_EXECUTION_ENV", "AWS_Lambda_java21");
        v.put("AWS_REGION", b.region);
        v.put("AWS_DEFAULT_REGION", b.region);
        v.put("AWS_LAMBDA_FUNCTION_NAME", b.name);
        v.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", Integer.toString(b.memoryMb));
        v.put("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
        v.put("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
        v.put("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/" + b.name);
        v.put("AWS_LAMBDA_LOG_STREAM_NAME", LocalDate.now(ZoneOffset.UTC).toString().replace('-', '/')
                + "/[$LATEST]" + UUID.randomUUID().toString().replace("-", ""));
        v.put("AWS_LAMBDA_RUNTIME_API", runtimeApi);
        v.put("LAMBDA_TASK_ROOT", taskRoot.toString());
        v.put("LAMBDA_RUNTIME_DIR", "/var/runtime");
        v.put("TZ", ":UTC");
        v.put("LANG", "en_US.UTF-8");
        return v;
    }

    /** The runtime's jars, found on this JVM's class path. */
    static List<Path> runtimeClasspath() {
        List<Path> jars = new ArrayList<>();
        for (String resource : RUNTIME_CLASSES) {
            jars.add(jarOf(resource));
        }
        return jars;
    }

    private static Path jarOf(String resource) {
        URL url = ClassLoader.getSystemClassLoader().getResource(resource);
        if (url == null) {
            url = LambdaFunction.class.getClassLoader().getResource(resource);
        }
        if (url == null || !url.getProtocol().equals("jar")) {
            throw new IllegalStateException(resource + " is not in a jar on the class path: add the test dependency "
                    + "com.amazonaws:aws-lambda-java-runtime-interface-client (it brings the runtime's other jars)");
        }
        try {
            return Path.of(((JarURLConnection) url.openConnection()).getJarFileURL().toURI());
        } catch (IOException | URISyntaxException e) {
            throw new IllegalStateException("cannot locate the jar of " + resource, e);
        }
    }

    /**
     * The deployment package unzipped, as Lambda unzips it into /var/task; once per package per JVM.
     */
    static Path taskRoot(Path code) {
        if (!Files.isRegularFile(code)) {
            throw new IllegalStateException(code + " does not exist: the shaded jars are built by 'package' "
                    + "(mvn -pl lister,loader -am package)");
        }
        String key;
        try {
            key = code.toAbsolutePath() + "@" + Files.getLastModifiedTime(code).toMillis() + "/" + Files.size(code);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return TASK_ROOTS.computeIfAbsent(key, k -> unzip(code));
    }

    private static Path unzip(Path code) {
        try {
            Path root = Files.createTempDirectory("s3loader-task-");
            deleteOnExit(root);
            try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(code))) {
                for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                    Path target = root.resolve(e.getName()).normalize();
                    if (!target.startsWith(root)) {
                        throw new IOException("entry outside the task root: " + e.getName());
                    }
                    if (e.isDirectory()) {
                        Files.createDirectories(target);
                    } else {
                        Files.createDirectories(target.getParent());
                        Files.copy(zip, target, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
            return root;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unzip " + code, e);
        }
    }

    /**
     * The runtime client's native part for this machine, unpacked from its jar once per JVM. The
     * client would unpack it to the fixed path /tmp/.libaws-lambda-jni.so itself (private to each
     * sandbox on Lambda); here several JVMs share /tmp, so each gets its own copy through the
     * property the client reads first.
     */
    static synchronized Path nativeLibrary() {
        if (nativeLibrary != null) {
            return nativeLibrary;
        }
        // The jar carries glibc and musl builds for x86_64 and aarch64 (the client tries them in that order).
        String arch = System.getProperty("os.arch").equals("aarch64") ? "aarch_64" : "x86_64";
        boolean musl = Files.exists(Path.of("/lib/ld-musl-" + (arch.equals("x86_64") ? "x86_64" : "aarch64") + ".so.1"));
        String name = "libaws-lambda-jni.linux" + (musl ? "_musl-" : "-") + arch + ".so";
        Path ric = jarOf(RUNTIME_CLASSES.get(0));
        try (var zip = new java.util.zip.ZipFile(ric.toFile())) {
            ZipEntry entry = zip.getEntry("jni/" + name);
            if (entry == null) {
                throw new IllegalStateException(ric + " has no jni/" + name);
            }
            Path dir = Files.createTempDirectory("s3loader-ric-");
            deleteOnExit(dir);
            Path lib = dir.resolve(name);
            try (InputStream in = zip.getInputStream(entry)) {
                Files.copy(in, lib);
            }
            nativeLibrary = lib;
            return lib;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteOnExit(Path dir) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // Best effort: a temporary directory.
            }
        }));
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
