package dev.s3loader.loader.destination.refined;

import dev.s3loader.embedded.SharedServers;
import dev.s3loader.loader.destination.Deadline;
import dev.s3loader.loader.destination.LoadResult;
import dev.s3loader.model.Compression;
import dev.s3loader.model.CsvOptions;
import dev.s3loader.model.FileFormat;
import dev.s3loader.model.FileMessage;
import dev.s3loader.model.RefinedColumn;
import dev.s3loader.model.RefinedConfig;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Converts one generated CSV file (args[0] rows, default 1,000,000; 9 columns of every type) on the
 * embedded S3 server with the parquet destination and prints rows/s and the bytes in and out.
 * Not a test: nothing is asserted on time. Run with the loader's test class path.
 */
public final class RefinedBench {
    private RefinedBench() {
    }

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        String columns = "id:long,name:string,qty:int,price:decimal(10,2),big:decimal(30,4),ratio:double,ok:boolean,"
                + "sold_on:date,at_time:timestamp";
        ByteArrayOutputStream csv = new ByteArrayOutputStream();
        for (int i = 0; i < rows; i++) {
            csv.writeBytes(String.format("%d,name %d,%d,%d.%02d,%d.1234,%s,%s,2024-%02d-%02d,2024-01-02T03:04:%02d.123456Z%n",
                    i, i % 1000, i % 100, i % 100000, i % 100, i, i * 0.5, i % 2 == 0, 1 + i % 12, 1 + i % 28, i % 60)
                    .getBytes(StandardCharsets.UTF_8));
        }
        byte[] body = csv.toByteArray();
        try (S3Client s3 = SharedServers.s3().newClient(); var workers = Executors.newFixedThreadPool(2)) {
            String bucket = "bench-" + UUID.randomUUID().toString().substring(0, 8);
            s3.createBucket(b -> b.bucket(bucket));
            s3.putObject(b -> b.bucket(bucket).key("incoming/bench.csv"), RequestBody.fromBytes(body));
            String etag = s3.headObject(b -> b.bucket(bucket).key("incoming/bench.csv")).eTag();
            FileMessage f = new FileMessage(bucket, "incoming/bench.csv", etag, body.length, Instant.now());
            for (RefinedConfig.Codec codec : RefinedConfig.Codec.values()) {
                ParquetDestination d = new ParquetDestination(s3, bucket, "refined-" + codec.name().toLowerCase() + "/",
                        new RefinedConfig(RefinedColumn.parseList(columns), codec), FileFormat.CSV, CsvOptions.defaults(),
                        Compression.NONE, workers);
                long started = System.nanoTime();
                List<LoadResult> r = d.load(List.of(f), "bench", Deadline.none());
                double seconds = (System.nanoTime() - started) / 1e9;
                long out = 0;
                for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix("refined-" + codec.name().toLowerCase() + "/")).contents()) {
                    out += o.size();
                }
                System.out.printf("%-6s %s: %,d rows, CSV %,d bytes -> Parquet %,d bytes in %.2f s: %,.0f rows/s%n",
                        codec, r.getFirst().getClass().getSimpleName(), rows, body.length, out, seconds, rows / seconds);
            }
        }
        // The shared S3 server's threads are not daemons.
        System.exit(0);
    }
}
