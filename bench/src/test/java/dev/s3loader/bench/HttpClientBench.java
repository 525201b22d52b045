package dev.s3loader.bench;

import dev.s3loader.clients.AwsClients;
import dev.s3loader.embedded.EmbeddedS3;
import dev.s3loader.embedded.SdkClients;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.http.crt.AwsCrtHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * scripts/bench-http: the copy workload (the bare SDK loop of scripts/bench: 32 threads, CopyObject
 * + DeleteObject per file, on the embedded S3 server on disk) with each HTTP client, each run in a
 * fresh JVM (the JDK reads http.maxConnections once per JVM), rounds interleaved, the same seeded
 * files copied fresh for every run. Clients: url5 (url-connection with the JDK's 5 idle
 * connections), url64 (url-connection as AwsClients sizes it: 64), apache (ApacheHttpClient, 64
 * connections), crt (AwsCrtHttpClient, 64 concurrent). Prints files/s per run and the median per
 * client, and each client's ratio to url64 in the same round. Asserts nothing.
 */
public final class HttpClientBench {
    private static final int THREADS = 32;

    private HttpClientBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("child")) {
            child(args[1], Path.of(args[2]), Long.parseLong(args[3]));
            return;
        }
        int files = Integer.getInteger("files", 2000);
        int size = Integer.getInteger("size", 1024);
        int rounds = Integer.getInteger("rounds", 3);
        List<String> clients = List.of(System.getProperty("clients", "url5,url64,apache,crt").split(","));
        Path work = Path.of(System.getProperty("work", "bench/target/bench-http")).toAbsolutePath();
        Path template = CopyBench.seed(work.resolve("template-" + files + "-" + size), files, size);
        System.out.printf("bench-http: %,d files of %,d bytes, SDK loop of %d threads (CopyObject + DeleteObject), clients %s,"
                + " %d round(s); cores %d%n", files, size, THREADS, clients, rounds, Runtime.getRuntime().availableProcessors());
        Map<String, List<Double>> rates = new LinkedHashMap<>();
        for (int r = 1; r <= rounds; r++) {
            Map<String, Double> round = new LinkedHashMap<>();
            for (String client : clients) {
                Path run = work.resolve("run");
                exec("rm", "-rf", run.toString());
                exec("cp", "-a", template.toString(), run.toString());
                double rate = runChild(client, run, files);
                round.put(client, rate);
                rates.computeIfAbsent(client, k -> new ArrayList<>()).add(rate);
            }
            StringBuilder line = new StringBuilder("round " + r + ":");
            round.forEach((c, v) -> line.append(String.format("  %s %.0f/s", c, v)));
            if (round.containsKey("url64")) {
                round.forEach((c, v) -> line.append(c.equals("url64") ? "" : String.format("  %s/url64 %.2fx", c, v / round.get("url64"))));
            }
            System.out.println(line);
        }
        rates.forEach((c, v) -> {
            List<Double> s = new ArrayList<>(v);
            s.sort(null);
            System.out.printf("%-7s median %.0f files/s over %d run(s) %s%n", c, s.get(s.size() / 2), v.size(), v);
        });
    }

    private static double runChild(String client, Path run, int files) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx1g", "-Djava.util.logging.config.file=/dev/null"));
        if (client.equals("url5")) {
            // What the JDK keeps without AwsClients' setting (its static block leaves a value given here alone).
            command.add("-Dhttp.maxConnections=5");
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), HttpClientBench.class.getName(), "child",
                client, run.toString(), Integer.toString(files)));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        double rate = -1;
        StringBuilder output = new StringBuilder();
        try (var in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                output.append(line).append('\n');
                if (line.startsWith("RESULT ")) {
                    rate = Double.parseDouble(line.split(" ")[1]);
                    System.out.println("  " + client + ": " + line.substring(7));
                }
            }
        }
        if (p.waitFor() != 0 || rate < 0) {
            System.out.println("  " + client + ": FAILED\n" + output);
        }
        return rate;
    }

    private static void child(String client, Path run, long files) throws Exception {
        try (EmbeddedS3 server = EmbeddedS3.onDisk(run.resolve("s3"), 0);
             SdkHttpClient http = http(client);
             S3Client s3 = SdkClients.s3(server.endpoint(), EmbeddedS3.REGION, EmbeddedS3.ACCESS_KEY, EmbeddedS3.SECRET_KEY)
                     .httpClient(http).build()) {
            var result = new SdkLoopPeer(s3, THREADS).move(CopyBench.BUCKET, files, new BacklogTrace(client));
            // The filesystem store removes a directory once it is empty.
            Path incoming = run.resolve("s3").resolve(CopyBench.BUCKET).resolve("incoming");
            long left = 0;
            if (Files.isDirectory(incoming)) {
                try (var list = Files.list(incoming)) {
                    left = list.count();
                }
            }
            System.out.printf("RESULT %.1f %,d files moved (%,d left) in %.1f s%n", result.moved() / result.seconds(),
                    result.moved(), left, result.seconds());
        }
    }

    private static SdkHttpClient http(String client) {
        return switch (client) {
            case "url5", "url64" -> AwsClients.http();
            case "url64-raw" -> UrlConnectionHttpClient.builder().build();
            case "apache" -> ApacheHttpClient.builder().maxConnections(64).connectionTimeout(Duration.ofSeconds(10)).build();
            case "crt" -> AwsCrtHttpClient.builder().maxConcurrency(64).build();
            default -> throw new IllegalArgumentException("unknown client " + client + " (url5, url64, apache, crt)");
        };
    }

    private static void exec(String... command) throws Exception {
        int rc = new ProcessBuilder(command).inheritIO().start().waitFor();
        if (rc != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + rc);
        }
    }
}
