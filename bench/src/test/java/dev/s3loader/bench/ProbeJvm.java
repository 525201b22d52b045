package dev.s3loader.bench;

import dev.s3loader.embedded.lambda.LambdaFunction;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Starts fresh JVMs as Lambda would: a class path of the shaded Lambda jar (plus, for
 * {@link HandlerProbe}, a directory holding only the probe's classes), a clean environment of
 * exactly the variables given, and the JVM flags given.
 */
final class ProbeJvm {
    /**
     * What Lambda's java21 runtime starts the JVM with (its bootstrap script): client compiler
     * only, the serial collector, class data sharing, a heap of about 85% of the function's
     * memory (the stack's default 1024 MB here).
     */
    static final List<String> LAMBDA_FLAGS = LambdaFunction.lambdaJvmFlags(1024);
    /** A plain JVM (both JIT tiers, the default collector) for comparison. */
    static final List<String> DEFAULT_FLAGS = List.of("-Xshare:auto");

    private final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private final Path probeClasses;

    ProbeJvm() {
        this.probeClasses = copyProbeClasses();
    }

    /** One probe run: its PROBE line as key=value pairs, or an exception carrying the JVM's output. */
    Map<String, String> probe(Path jar, List<String> flags, Map<String, String> env, String... args) {
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(flags);
        command.addAll(List.of("-cp", probeClasses + ":" + jar, HandlerProbe.class.getName()));
        command.add(args[0]);
        command.add(Long.toString(System.currentTimeMillis()));
        command.addAll(List.of(args).subList(1, args.length));
        StringBuilder output = new StringBuilder();
        Map<String, String> result = new HashMap<>();
        int exit = run(command, env, line -> {
            output.append(line).append('\n');
            if (line.startsWith("PROBE ")) {
                for (String field : line.substring(6).split(" ")) {
                    String[] kv = field.split("=", 2);
                    result.put(kv[0], kv.length > 1 ? kv[1] : "");
                }
            }
        });
        if (exit != 0 || !result.containsKey("handled")) {
            throw new IllegalStateException("probe " + String.join(" ", args[0]) + " exited " + exit + ":\n" + output);
        }
        return result;
    }

    /** Starts a JVM running {@code mainClass} from {@code jar}, its output lines fed to {@code lines} on a thread of its own. */
    Process start(Path jar, List<String> flags, Map<String, String> env, String mainClass, Consumer<String> lines) {
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(flags);
        command.addAll(List.of("-cp", jar.toString(), mainClass));
        Process p = launch(command, env);
        Thread.ofPlatform().daemon(true).start(() -> readLines(p, lines));
        return p;
    }

    private int run(List<String> command, Map<String, String> env, Consumer<String> lines) {
        Process p = launch(command, env);
        readLines(p, lines);
        try {
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                return -1;
            }
            return p.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            return -1;
        }
    }

    private static Process launch(List<String> command, Map<String, String> env) {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        // Lambda's environment holds the function's variables and little else: nothing of this shell leaks in.
        String path = System.getenv("PATH");
        pb.environment().clear();
        pb.environment().put("PATH", path == null ? "/usr/bin:/bin" : path);
        pb.environment().putAll(env);
        try {
            return pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void readLines(Process p, Consumer<String> lines) {
        try (var in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                lines.accept(line);
            }
        } catch (IOException e) {
            // The process ended.
        }
    }

    /** The probe's own classes, alone in a directory, so the timed JVM loads nothing else from the test build. */
    private static Path copyProbeClasses() {
        try {
            Path from = Path.of(HandlerProbe.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            String pkg = HandlerProbe.class.getPackageName().replace('.', '/');
            Path dir = Files.createTempDirectory("s3loader-probe");
            Path target = dir.resolve(pkg);
            Files.createDirectories(target);
            try (var files = Files.list(from.resolve(pkg))) {
                for (Path f : files.filter(f -> f.getFileName().toString().startsWith(HandlerProbe.class.getSimpleName()))
                        .toList()) {
                    Files.copy(f, target.resolve(f.getFileName()));
                }
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static long median(List<Long> values) {
        List<Long> v = new ArrayList<>(values);
        Collections.sort(v);
        return v.isEmpty() ? -1 : v.get(v.size() / 2);
    }

    static long max(List<Long> values) {
        return values.stream().mapToLong(Long::longValue).max().orElse(-1);
    }
}
