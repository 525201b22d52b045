package dev.s3loader.local.bench;

import dev.s3loader.embedded.EmbeddedS3;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * scripts/bench-coldstart: starts an S3 server, then runs {@link ColdStartProbe} in fresh JVMs,
 * alternating the HTTP clients, and prints the median time from JVM start to clients built and to
 * the first call answered.
 */
public final class ColdStartBench {
    private ColdStartBench() {
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = System.getProperty("java.class.path");
        List<String> clients = List.of("url-connection", "crt");
        try (EmbeddedS3 s3 = EmbeddedS3.inMemory()) {
            s3.createBucket("bench");
            List<List<long[]>> results = new ArrayList<>();
            clients.forEach(c -> results.add(new ArrayList<>()));
            for (int r = 0; r < runs; r++) {
                for (int c = 0; c < clients.size(); c++) {
                    Process p = new ProcessBuilder(java, "-Xshare:auto", "-cp", classpath, ColdStartProbe.class.getName(),
                            clients.get(c), s3.endpoint().toString()).redirectErrorStream(true).start();
                    try (var in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                        for (String line; (line = in.readLine()) != null; ) {
                            if (line.startsWith("PROBE ")) {
                                String[] f = line.split(" ");
                                results.get(c).add(new long[] {Long.parseLong(f[2]), Long.parseLong(f[3])});
                            }
                        }
                    }
                    p.waitFor();
                }
            }
            System.out.printf("cold start over %d fresh JVMs each (median ms after JVM start; lister's S3+SQS+CloudWatch clients)%n", runs);
            System.out.printf("%-16s %14s %18s%n", "http client", "clients built", "first S3 call done");
            for (int c = 0; c < clients.size(); c++) {
                System.out.printf("%-16s %14d %18d%n", clients.get(c), median(results.get(c), 0), median(results.get(c), 1));
            }
        }
    }

    private static long median(List<long[]> rows, int column) {
        List<Long> v = new ArrayList<>(rows.stream().map(r -> r[column]).toList());
        Collections.sort(v);
        return v.isEmpty() ? -1 : v.get(v.size() / 2);
    }
}
