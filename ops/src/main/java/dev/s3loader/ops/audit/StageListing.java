package dev.s3loader.ops.audit;

import dev.s3loader.model.KeyOrder;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.Predicate;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.EncodingType;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A lazy pass over one prefix, one page held at a time, in the order S3 lists it. Keys are
 * listed with {@code EncodingType=url} (a control character in a key would otherwise break the
 * XML response; the SDK decodes them back) and checked to arrive in UTF-8 byte order, which the
 * merge join relies on. Zero-byte folder markers (keys ending in '/') are not files and are skipped.
 */
final class StageListing implements StageStream {
    private final String prefix;
    private final Iterator<S3Object> objects;
    private final String source;
    private final Predicate<String> keep;
    private StageObject next;
    private String previous;

    StageListing(S3Client s3, String bucket, String prefix, int pageSize) {
        this(s3, bucket, prefix, pageSize, key -> true);
    }

    /** @param keep which keys (whole keys) the stream yields; the order is checked over every listed key */
    StageListing(S3Client s3, String bucket, String prefix, int pageSize, Predicate<String> keep) {
        this.prefix = prefix;
        this.keep = keep;
        this.source = "the listing of s3://" + bucket + "/" + prefix;
        this.objects = s3.listObjectsV2Paginator(ListObjectsV2Request.builder().bucket(bucket).prefix(prefix)
                .encodingType(EncodingType.URL).maxKeys(pageSize).build()).contents().iterator();
        this.next = advance();
    }

    private StageObject advance() {
        while (objects.hasNext()) {
            S3Object o = objects.next();
            if (previous != null && KeyOrder.compare(previous, o.key()) >= 0) {
                throw new ListingOrderException(source, previous, o.key());
            }
            previous = o.key();
            boolean folderMarker = o.key().endsWith("/") && o.size() == 0;
            if (!folderMarker && o.key().length() > prefix.length() && keep.test(o.key())) {
                return new StageObject(o.key().substring(prefix.length()), o.key(), o.eTag(), o.size(), o.lastModified());
            }
        }
        return null;
    }

    @Override
    public boolean hasNext() {
        return next != null;
    }

    @Override
    public StageObject peek() {
        if (next == null) {
            throw new NoSuchElementException();
        }
        return next;
    }

    @Override
    public StageObject next() {
        StageObject o = peek();
        next = advance();
        return o;
    }
}
