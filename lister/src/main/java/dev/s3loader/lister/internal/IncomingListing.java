package dev.s3loader.lister.internal;

import dev.s3loader.model.Layout;
import java.util.Iterator;
import java.util.NoSuchElementException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.EncodingType;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A lazy, page-by-page pass over {@code incoming/}: only one page is held at a time. Keys are
 * listed with {@code EncodingType=url}: a key may hold any byte S3 allows, and XML 1.0 cannot carry
 * U+0001 at all, nor a CR (a parser turns it into LF). The SDK's own response interceptor
 * ({@code DecodeUrlEncodedResponseInterceptor}) decodes the keys again, so they arrive byte for byte.
 * Zero-byte "folder" markers ending in '/' are not files and are skipped.
 */
public final class IncomingListing {
    private final S3Client s3;
    private final String bucket;
    private final Layout layout;
    private final int pageSize;

    public IncomingListing(S3Client s3, String bucket, Layout layout, int pageSize) {
        this.s3 = s3;
        this.bucket = bucket;
        this.layout = layout;
        this.pageSize = pageSize;
    }

    public Iterator<ListedFile> files() {
        Iterator<S3Object> objects = s3.listObjectsV2Paginator(ListObjectsV2Request.builder()
                .bucket(bucket).prefix(layout.incoming()).maxKeys(pageSize).encodingType(EncodingType.URL).build())
                .contents().iterator();
        return new Iterator<>() {
            private ListedFile next = advance();

            private ListedFile advance() {
                while (objects.hasNext()) {
                    S3Object o = objects.next();
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
