package dev.s3loader.lister.internal;

import dev.s3loader.model.KeyOrder;
import dev.s3loader.model.Layout;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Optional;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.EncodingType;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A lazy, page-by-page listing of one key range of {@code incoming/}: the keys after
 * {@code after} (exclusive) up to {@code upTo} (inclusive), one page held at a time. Keys are listed
 * with {@code EncodingType=url}, since XML 1.0 cannot carry every byte a key may hold; the SDK
 * decodes them again, so they arrive byte for byte. Zero-byte "folder" markers ending in '/' are
 * not files and are skipped.
 */
public final class RangeListing {
    private final S3Client s3;
    private final String bucket;
    private final Layout layout;
    private final int pageSize;

    public RangeListing(S3Client s3, String bucket, Layout layout, int pageSize) {
        this.s3 = s3;
        this.bucket = bucket;
        this.layout = layout;
        this.pageSize = pageSize;
    }

    public Iterator<ListedFile> files(Optional<String> after, Optional<String> upTo) {
        ListObjectsV2Request.Builder request = ListObjectsV2Request.builder().bucket(bucket).prefix(layout.incoming())
                .maxKeys(pageSize).encodingType(EncodingType.URL);
        after.ifPresent(request::startAfter);
        Iterator<S3Object> objects = s3.listObjectsV2Paginator(request.build()).contents().iterator();
        return new Iterator<>() {
            private boolean ended;
            private ListedFile next = advance();

            private ListedFile advance() {
                while (!ended && objects.hasNext()) {
                    S3Object o = objects.next();
                    if (upTo.isPresent() && KeyOrder.compare(o.key(), upTo.get()) > 0) {
                        // Past the range: stop before the paginator fetches another page of the next range.
                        ended = true;
                        return null;
                    }
                    if (!isFolderMarker(o) && layout.isIncoming(o.key())) {
                        return new ListedFile(o.key(), o.eTag(), o.size(), o.lastModified());
                    }
                }
                return null;
            }

            @Override
            public boolean hasNext() {
                return next != null;
            }

            @Override
            public ListedFile next() {
                if (next == null) {
                    throw new NoSuchElementException();
                }
                ListedFile f = next;
                next = advance();
                return f;
            }
        };
    }

    static boolean isFolderMarker(S3Object o) {
        return o.key().endsWith("/") && o.size() == 0;
    }
}
