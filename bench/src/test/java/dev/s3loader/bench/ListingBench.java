package dev.s3loader.bench;

import dev.s3loader.embedded.EmbeddedS3;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.EncodingType;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * scripts/bench-listing: keys/s of a full ListObjectsV2 listing of incoming/ (SDK paginator,
 * EncodingType=url, 1,000 keys a page) on the embedded server (filesystem-nio2, as local mode runs
 * it), at several backlog sizes, so that whether the cost grows linearly is visible. Each size is
 * seeded once into its own directory, written straight to disk in the store's layout (a file and
 * its MD5 xattr, {@link CopyBench#seed}), and reused by later runs. Each size is listed twice on a
 * freshly started server: the first listing is the one a new server (or the lister's first run)
 * pays; the second shows what a later listing costs. Every listing is checked (N keys, strictly
 * ascending, none twice). One unreported listing of the smallest size warms the JIT up first
 * ({@code -Dwarmup=false} skips it). Prints; asserts nothing.
 */
public final class ListingBench {
    private ListingBench() {
    }

    public static void main(String[] args) throws Exception {
        List<Integer> sizes = new ArrayList<>();
        for (String s : System.getProperty("sizes", "50000,200000,1000000").split(",")) {
            sizes.add(Integer.parseInt(s.trim().replace("_", "")));
        }
        int listings = Integer.getInteger("listings", 2);
        double maxSeconds = Double.parseDouble(System.getProperty("maxSeconds", "600"));
        Path work = Path.of(System.getProperty("work", "bench/target/bench-listing")).toAbsolutePath();
        System.out.printf("bench-listing: sizes %s, %d listing(s) each, pages of 1,000, EncodingType=url; cores %d%n",
                sizes, listings, Runtime.getRuntime().availableProcessors());
        List<String> summary = new ArrayList<>();
        if (Boolean.parseBoolean(System.getProperty("warmup", "true"))) {
            // One unreported listing of the smallest size first: the JIT's warm-up would count against it.
            int n = sizes.stream().min(Integer::compare).orElseThrow();
            Path template = CopyBench.seed(work.resolve("n" + n), n, 64);
            long start = System.nanoTime();
            long keys = 0;
            try (EmbeddedS3 server = EmbeddedS3.onDisk(template.resolve("s3"), 0); S3Client s3 = server.newClient()) {
                for (ListObjectsV2Response page : s3.listObjectsV2Paginator(b -> b.bucket(CopyBench.BUCKET)
                        .prefix("incoming/").maxKeys(1000).encodingType(EncodingType.URL))) {
                    keys += page.contents().size();
                }
            }
            System.out.printf("  warm-up (not counted): %,d keys in %.1f s%n", keys, (System.nanoTime() - start) / 1e9);
        }
        for (int n : sizes) {
            long seedStart = System.nanoTime();
            Path template = CopyBench.seed(work.resolve("n" + n), n, 64);
            double seedSeconds = (System.nanoTime() - seedStart) / 1e9;
            if (seedSeconds > 1) {
                System.out.printf("  seeded %,d files on disk in %.1f s%n", n, seedSeconds);
            }
            StringBuilder line = new StringBuilder(String.format("%,10d keys:", n));
            try (EmbeddedS3 server = EmbeddedS3.onDisk(template.resolve("s3"), 0); S3Client s3 = server.newClient()) {
                for (int l = 1; l <= listings; l++) {
                    long start = System.nanoTime();
                    long keys = 0;
                    String previous = null;
                    boolean ordered = true;
                    boolean partial = false;
                    String failure = null;
                    try {
                        for (ListObjectsV2Response page : s3.listObjectsV2Paginator(b -> b.bucket(CopyBench.BUCKET)
                                .prefix("incoming/").maxKeys(1000).encodingType(EncodingType.URL))) {
                            for (S3Object o : page.contents()) {
                                ordered &= previous == null || previous.compareTo(o.key()) < 0;
                                previous = o.key();
                                keys++;
                            }
                            if ((System.nanoTime() - start) / 1e9 > maxSeconds) {
                                partial = true;
                                break;
                            }
                        }
                    } catch (SdkException e) {
                        // The old server's first page at 1,000,000 keys outlasted the SDK's read timeout.
                        partial = true;
                        failure = e.getMessage();
                    }
                    double seconds = (System.nanoTime() - start) / 1e9;
                    String check = failure != null ? "FAILED: " + failure
                            : partial ? "stopped after " + maxSeconds + " s"
                            : keys == n && ordered ? "ok" : "WRONG: " + keys + " keys, ordered " + ordered;
                    System.out.printf("  %,d keys, listing %d: %,d keys in %.1f s = %,.0f keys/s (%s)%n", n, l, keys,
                            seconds, keys / seconds, check);
                    line.append(String.format("  listing %d %,8.0f keys/s (%.1f s%s)", l, keys / seconds, seconds,
                            failure != null ? ", FAILED after " + keys + " keys" : partial ? ", partial" : ""));
                }
            }
            summary.add(line.toString());
        }
        System.out.println("summary (keys/s of a full listing):");
        summary.forEach(System.out::println);
    }
}
