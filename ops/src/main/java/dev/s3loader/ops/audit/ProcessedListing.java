package dev.s3loader.ops.audit;

import dev.s3loader.model.KeyOrder;
import dev.s3loader.model.Layout;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.EncodingType;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * processed/ in relative-key order when PROCESSED_KEY_TEMPLATE partitions it. A partitioned key
 * is {@code processed/<fixed-width partition><relative key>}, so S3 lists it by partition first;
 * but within one partition the keys are in relative-key order. This stream finds the partitions
 * (one LIST of a key per partition: it jumps past each partition with StartAfter) and merges one
 * lazy listing per partition by their heads, the way the join merges the stages: it holds one
 * page per partition, never the stage. Keys not of the template's form (written before the
 * template was set) are merged as one more listing, by their key below processed/ (the layout
 * they were written with).
 *
 * <p>Memory: at most {@code partitions × page} listed keys, the page shrinking (to 10 keys at the
 * least) as the partitions grow past {@value #KEYS_HELD} keys' worth; without a template it is
 * exactly one listing of processed/ as before.
 */
final class ProcessedListing implements StageStream {
    /** The most listed keys the pages of all partitions hold together, as long as each page can hold 10. */
    static final int KEYS_HELD = 100_000;
    /** Above every code point: StartAfter {@code <partition>}{@value} is past every key of the partition. */
    private static final String PAST = new String(Character.toChars(Character.MAX_CODE_POINT));

    private final PriorityQueue<StageListing> heads = new PriorityQueue<>(Comparator
            .comparing((StageListing l) -> l.peek().relative(), KeyOrder.UTF8)
            .thenComparing(l -> l.peek().key(), KeyOrder.UTF8));
    private final int partitions;

    ProcessedListing(S3Client s3, String bucket, Layout layout, int pageSize) {
        List<String> found = new ArrayList<>();
        boolean outsideTemplate = partitions(s3, bucket, layout, found);
        this.partitions = found.size();
        int page = Math.max(10, Math.min(pageSize, KEYS_HELD / Math.max(1, found.size() + 1)));
        for (String partition : found) {
            add(new StageListing(s3, bucket, partition, page));
        }
        if (outsideTemplate) {
            add(new StageListing(s3, bucket, layout.processed(), page, k -> layout.processedPartition(k).isEmpty()));
        }
    }

    /** The partitions in listing order; true when some key is not of the template's form. */
    private static boolean partitions(S3Client s3, String bucket, Layout layout, List<String> found) {
        boolean outside = false;
        String cursor = null;
        String last = null;
        while (true) {
            String after = cursor;
            ListObjectsV2Response page = s3.listObjectsV2(b -> b.bucket(bucket).prefix(layout.processed())
                    .encodingType(EncodingType.URL).maxKeys(1000).startAfter(after));
            boolean jumped = false;
            for (S3Object o : page.contents()) {
                cursor = o.key();
                if (o.key().length() <= layout.processed().length() || (o.key().endsWith("/") && o.size() == 0)) {
                    continue;
                }
                var partition = layout.processedPartition(o.key());
                if (partition.isEmpty()) {
                    outside = true;
                } else if (!partition.get().equals(last)) {
                    last = partition.get();
                    found.add(last);
                    cursor = last + PAST;
                    jumped = true;
                    break;
                }
            }
            if (!jumped && (!Boolean.TRUE.equals(page.isTruncated()) || page.contents().isEmpty())) {
                return outside;
            }
        }
    }

    private void add(StageListing listing) {
        if (listing.hasNext()) {
            heads.add(listing);
        }
    }

    /** How many partitions processed/ has. */
    int partitions() {
        return partitions;
    }

    @Override
    public boolean hasNext() {
        return !heads.isEmpty();
    }

    @Override
    public StageObject peek() {
        if (heads.isEmpty()) {
            throw new NoSuchElementException();
        }
        return heads.peek().peek();
    }

    @Override
    public StageObject next() {
        StageListing head = heads.poll();
        if (head == null) {
            throw new NoSuchElementException();
        }
        StageObject o = head.next();
        add(head);
        return o;
    }

    @Override
    public int heads() {
        return heads.size();
    }
}
