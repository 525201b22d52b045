package dev.s3loader.bench;

import dev.s3loader.embedded.EmbeddedS3;
import dev.s3loader.embedded.lambda.LambdaFunction;
import dev.s3loader.embedded.lambda.LambdaRuntimeApi.Answer;
import dev.s3loader.embedded.lambda.LambdaRuntimeApi.Status;
import dev.s3loader.embedded.lambda.SqsEventSourceMapping;
import dev.s3loader.model.FileMessage;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * scripts/bench-coldstart. Starts the local servers first (their start-up is not timed), then:
 * <ol>
 * <li>per handler, in fresh JVMs started as Lambda's java21 runtime starts them (its flags, the
 * shaded jar scripts/package builds, a clean environment): milliseconds from launching the JVM to
 * the handler constructed (class loading, static init, configuration, clients) and to its first
 * event handled end to end (the lister's scheduled run enqueuing waiting files; the loader's SQS
 * batch of one file copied to processed/), median and max over the runs, with Lambda's flags and
 * with a plain JVM; and the container worker (LoaderMain) from launch to polling and to its first
 * batch done;</li>
 * <li>per handler, the shaded jar under AWS's runtime interface client (rows "ric", started as
 * {@link LambdaFunction} starts it): Lambda's Init Duration (launch to the runtime's first request
 * for an event) and launch to its answer to the first event, the runtime client deserialising the
 * event and serialising the answer;</li>
 * <li>the lister's clients alone with the url-connection and the CRT HTTP clients (first S3 call).</li>
 * </ol>
 * Not measurable here: SnapStart (a restored snapshot skips everything up to "constructed"), and
 * Lambda's own placement of the execution environment before the JVM starts.
 */
public final class ColdStartBench {
    private static final int WAITING_FILES = 10;
    /** The rows measured under AWS's runtime interface client. */
    private static final String RIC = "ric";

    private ColdStartBench() {
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        Path listerJar = Path.of(System.getProperty("lister.jar", "lister/target/s3loader-lister.jar"));
        Path loaderJar = Path.of(System.getProperty("loader.jar", "loader/target/s3loader-loader.jar"));
        for (Path jar : List.of(listerJar, loaderJar)) {
            if (!Files.isRegularFile(jar)) {
                throw new IllegalStateException(jar + " is missing: build it with mvn -pl lister,loader -am package");
            }
        }
        ProbeJvm jvm = new ProbeJvm();
        Map<String, List<String>> flagSets = new LinkedHashMap<>();
        flagSets.put("lambda", ProbeJvm.LAMBDA_FLAGS);
        flagSets.put("default", ProbeJvm.DEFAULT_FLAGS);
        Map<String, List<Long>> constructed = new LinkedHashMap<>();
        Map<String, List<Long>> handled = new LinkedHashMap<>();
        Map<String, List<String>> failures = new LinkedHashMap<>();
        for (var flags : flagSets.keySet()) {
            for (String handler : List.of("lister", "loader", "container")) {
                constructed.put(handler + " " + flags, new ArrayList<>());
                handled.put(handler + " " + flags, new ArrayList<>());
            }
        }
        for (String handler : List.of("lister", "loader")) {
            constructed.put(handler + " " + RIC, new ArrayList<>());
            handled.put(handler + " " + RIC, new ArrayList<>());
        }
        try (ProbeStack stack = new ProbeStack(EmbeddedS3.inMemory())) {
            int n = 0;
            for (int r = 0; r < runs; r++) {
                // Interleaved, so that a noisy moment on the shared machine hits every row alike.
                for (var flags : flagSets.entrySet()) {
                    for (String handler : List.of("lister", "loader", "container")) {
                        String row = handler + " " + flags.getKey();
                        long[] t;
                        try {
                            t = switch (handler) {
                                case "lister" -> lister(jvm, stack, listerJar, flags.getValue(), "cold-l" + n);
                                case "loader" -> loader(jvm, stack, loaderJar, flags.getValue(), "cold-d" + n);
                                default -> container(jvm, stack, loaderJar, flags.getValue(), "cold-c" + n);
                            };
                        } catch (IllegalStateException e) {
                            // Counted and shown, not hidden: a failed first event is part of what a cold start is.
                            failures.computeIfAbsent(row, k -> new ArrayList<>()).add(firstCause(e.getMessage()));
                            System.err.printf("run %d/%d %-18s FAILED:%n%s%n", r + 1, runs, row, e.getMessage());
                            continue;
                        } finally {
                            n++;
                        }
                        constructed.computeIfAbsent(row, k -> new ArrayList<>()).add(t[0]);
                        handled.computeIfAbsent(row, k -> new ArrayList<>()).add(t[1]);
                        System.err.printf("run %d/%d %-18s constructed %5d ms, first event handled %5d ms%n",
                                r + 1, runs, row, t[0], t[1]);
                    }
                }
                for (String handler : List.of("lister", "loader")) {
                    String row = handler + " " + RIC;
                    long[] t;
                    try {
                        t = handler.equals("lister") ? listerUnderRuntimeClient(stack, listerJar, "cold-rl" + n)
                                : loaderUnderRuntimeClient(stack, loaderJar, "cold-rd" + n);
                    } catch (IllegalStateException e) {
                        failures.computeIfAbsent(row, k -> new ArrayList<>()).add(firstCause(e.getMessage()));
                        System.err.printf("run %d/%d %-18s FAILED:%n%s%n", r + 1, runs, row, e.getMessage());
                        continue;
                    } finally {
                        n++;
                    }
                    constructed.get(row).add(t[0]);
                    handled.get(row).add(t[1]);
                    System.err.printf("run %d/%d %-18s init %5d ms, first event handled %5d ms%n", r + 1, runs, row, t[0], t[1]);
                }
            }
            System.out.printf("%ncold start to first handled event, %d fresh JVMs per row (%s), ms from JVM launch%n",
                    runs, System.getProperty("java.version"));
            System.out.printf("lambda = %s; default = %s%n", String.join(" ", ProbeJvm.LAMBDA_FLAGS),
                    String.join(" ", ProbeJvm.DEFAULT_FLAGS));
            System.out.printf("%-18s %12s %9s %14s %9s %7s%n", "handler flags", "constructed", "max", "first handled", "max",
                    "failed");
            for (String row : constructed.keySet()) {
                System.out.printf("%-18s %12d %9d %14d %9d %7d%n", row, ProbeJvm.median(constructed.get(row)),
                        ProbeJvm.max(constructed.get(row)), ProbeJvm.median(handled.get(row)), ProbeJvm.max(handled.get(row)),
                        failures.getOrDefault(row, List.of()).size());
            }
            failures.forEach((row, why) -> why.forEach(w -> System.out.printf("failed: %s: %s%n", row, w)));
            System.out.println("lister: the scheduled handler, one run listing " + WAITING_FILES + " waiting files and"
                    + " enqueuing them; loader: the SQS handler, a batch of one file copied to processed/ (DESTINATION=copy);");
            System.out.println("container: LoaderMain, 'constructed' = polling started, 'first handled' = the file seen in"
                    + " processed/ (polled every 5 ms). SnapStart is not measurable locally.");
            System.out.println(RIC + ": the shaded jar under AWS's runtime interface client " + ricVersion() + " (AWSLambda <handler>,"
                    + " lambda flags, the jar unzipped as the task root, a local Runtime API): 'constructed' = Lambda's Init"
                    + " Duration (launch to the runtime's first /invocation/next), 'first handled' = launch to the"
                    + " runtime's /response for the first event (the documented scheduled event; an SQS event built from"
                    + " the received message), the runtime client deserialising and serialising.");
            System.out.println();
            clients(runs, stack);
        }
    }

    /**
     * One cold start under AWS's runtime interface client: milliseconds from launch to the
     * runtime's first request for an event (Init Duration) and to its answer to the first one.
     */
    private static long[] listerUnderRuntimeClient(ProbeStack stack, Path jar, String name) {
        stack.s3Server.createBucket(name);
        String queueUrl = stack.queue(name);
        for (int i = 0; i < WAITING_FILES; i++) {
            stack.put(name, "incoming/file-" + i + ".csv", "a,b\n1,2\n");
        }
        Map<String, String> env = stack.awsEnv();
        env.put("BUCKET", name);
        env.put("QUEUE_URL", queueUrl);
        try (LambdaFunction fn = LambdaFunction.builder(jar, "dev.s3loader.lister.ListerHandler::handleRequest")
                .name("cold-lister").env(env).start()) {
            Answer a = fn.invoke(resource("/events/scheduled-event.json"));
            if (a.status() != Status.RESPONSE || !a.body().contains("\"EnqueuedFiles\":" + WAITING_FILES)) {
                throw new IllegalStateException("the lister did not enqueue the waiting files: " + a + "\n" + fn.output());
            }
            return new long[] {fn.initDurationMs(), a.answeredAtMs() - fn.launchedAtMs()};
        }
    }

    private static long[] loaderUnderRuntimeClient(ProbeStack stack, Path jar, String name) {
        stack.s3Server.createBucket(name);
        String queueUrl = stack.queue(name);
        FileMessage m = stack.put(name, "incoming/cold start.csv", "a,b\n1,2\n");
        stack.sqs.sendMessage(b -> b.queueUrl(queueUrl).messageBody(m.toJson()));
        SqsEventSourceMapping mapping = new SqsEventSourceMapping(stack.sqs, queueUrl, "us-east-1");
        var batch = mapping.receiveBatch(1);
        Map<String, String> env = stack.awsEnv();
        env.put("BUCKET", name);
        env.put("DESTINATION", "copy");
        try (LambdaFunction fn = LambdaFunction.builder(jar, "dev.s3loader.loader.LoaderHandler::handleRequest")
                .name("cold-loader").env(env).start()) {
            Answer a = fn.invoke(mapping.event(batch));
            if (!mapping.apply(batch, a).isEmpty() || !stack.exists(name, "processed/cold start.csv")) {
                throw new IllegalStateException("the loader did not move the file: " + a + "\n" + fn.output());
            }
            return new long[] {fn.initDurationMs(), a.answeredAtMs() - fn.launchedAtMs()};
        }
    }

    private static String resource(String name) {
        try (var in = ColdStartBench.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String ricVersion() {
        var props = new java.util.Properties();
        try (var in = ColdStartBench.class.getResourceAsStream(
                "/META-INF/maven/com.amazonaws/aws-lambda-java-runtime-interface-client/pom.properties")) {
            if (in != null) {
                props.load(in);
            }
        } catch (java.io.IOException e) {
            // No version to show.
        }
        return props.getProperty("version", "?");
    }

    /** The exception the probe's handler threw, from the probe's output. */
    private static String firstCause(String output) {
        return output.lines().filter(l -> l.startsWith("Exception in thread")).findFirst()
                .orElse(output.lines().findFirst().orElse("?"));
    }

    private static long[] lister(ProbeJvm jvm, ProbeStack stack, Path jar, List<String> flags, String name) {
        stack.s3Server.createBucket(name);
        String queueUrl = stack.queue(name);
        for (int i = 0; i < WAITING_FILES; i++) {
            stack.put(name, "incoming/file-" + i + ".csv", "a,b\n1,2\n");
        }
        Map<String, String> env = stack.awsEnv();
        env.put("BUCKET", name);
        env.put("QUEUE_URL", queueUrl);
        Map<String, String> out = jvm.probe(jar, flags, env, "lister");
        if (!out.get("summary").contains("EnqueuedFiles=" + WAITING_FILES)) {
            throw new IllegalStateException("the lister did not enqueue the waiting files: " + out);
        }
        return new long[] {Long.parseLong(out.get("constructed")), Long.parseLong(out.get("handled"))};
    }

    private static long[] loader(ProbeJvm jvm, ProbeStack stack, Path jar, List<String> flags, String name) {
        stack.s3Server.createBucket(name);
        FileMessage m = stack.put(name, "incoming/cold start.csv", "a,b\n1,2\n");
        Map<String, String> env = stack.awsEnv();
        env.put("BUCKET", name);
        env.put("DESTINATION", "copy");
        Map<String, String> out = jvm.probe(jar, flags, env, "loader", m.toJson());
        if (!out.get("failures").equals("0") || !stack.exists(name, "processed/cold start.csv")) {
            throw new IllegalStateException("the loader did not move the file: " + out);
        }
        return new long[] {Long.parseLong(out.get("constructed")), Long.parseLong(out.get("handled"))};
    }

    private static long[] container(ProbeJvm jvm, ProbeStack stack, Path jar, List<String> flags, String name)
            throws InterruptedException {
        stack.s3Server.createBucket(name);
        String queueUrl = stack.queue(name);
        FileMessage m = stack.put(name, "incoming/cold start.csv", "a,b\n1,2\n");
        stack.sqs.sendMessage(b -> b.queueUrl(queueUrl).messageBody(m.toJson()));
        Map<String, String> env = stack.awsEnv();
        env.put("BUCKET", name);
        env.put("QUEUE_URL", queueUrl);
        env.put("WAIT_TIME_SECONDS", "1");
        AtomicLong polling = new AtomicLong(-1);
        StringBuilder output = new StringBuilder();
        long launched = System.currentTimeMillis();
        Process p = jvm.start(jar, flags, env, "dev.s3loader.loader.LoaderMain", line -> {
            if (line.contains(" poller(s) on ")) {
                polling.compareAndSet(-1, System.currentTimeMillis() - launched);
            }
            synchronized (output) {
                output.append(line).append('\n');
            }
        });
        try {
            long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (!stack.exists(name, "processed/cold start.csv")) {
                if (!p.isAlive() || System.nanoTime() > until) {
                    synchronized (output) {
                        throw new IllegalStateException("the container worker did not load the file:\n" + output);
                    }
                }
                Thread.sleep(5);
            }
            return new long[] {polling.get(), System.currentTimeMillis() - launched};
        } finally {
            p.destroy();
            p.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** The lister's three clients alone, url-connection against CRT (ColdStartProbe, on the test class path). */
    private static void clients(int runs, ProbeStack stack) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = System.getProperty("java.class.path");
        List<String> clients = List.of("url-connection", "crt");
        stack.s3Server.createBucket("bench");
        List<List<Long>> built = new ArrayList<>();
        List<List<Long>> firstCall = new ArrayList<>();
        clients.forEach(c -> {
            built.add(new ArrayList<>());
            firstCall.add(new ArrayList<>());
        });
        for (int r = 0; r < runs; r++) {
            for (int c = 0; c < clients.size(); c++) {
                Process p = new ProcessBuilder(java, "-Xshare:auto", "-cp", classpath, ColdStartProbe.class.getName(),
                        clients.get(c), stack.s3Server.endpoint().toString()).redirectErrorStream(true).start();
                try (var in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = in.readLine()) != null; ) {
                        if (line.startsWith("PROBE ")) {
                            String[] f = line.split(" ");
                            built.get(c).add(Long.parseLong(f[2]));
                            firstCall.get(c).add(Long.parseLong(f[3]));
                        }
                    }
                }
                p.waitFor();
            }
        }
        System.out.printf("the lister's S3+SQS+CloudWatch clients alone, %d fresh JVMs each (test class path, -Xshare:auto),"
                + " ms after JVM start%n", runs);
        System.out.printf("%-16s %14s %9s %18s %9s%n", "http client", "clients built", "max", "first S3 call done", "max");
        for (int c = 0; c < clients.size(); c++) {
            System.out.printf("%-16s %14d %9d %18d %9d%n", clients.get(c), ProbeJvm.median(built.get(c)),
                    ProbeJvm.max(built.get(c)), ProbeJvm.median(firstCall.get(c)), ProbeJvm.max(firstCall.get(c)));
        }
    }
}
