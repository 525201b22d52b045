package dev.s3loader.ops.status;

import java.util.Iterator;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.EncodingType;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A lazy pass over the files under one prefix, one page held at a time. Keys are listed with
 * {@code EncodingType=url} (a control character in a key would otherwise break the XML answer; the
 * SDK decodes them back); zero-byte folder markers (keys ending in '/') are not files and are skipped,
 * as the lister and the audit skip them.
 */
final class PrefixListing {
    private PrefixListing() {
    }

    static Iterable<S3Object> files(S3Client s3, String bucket, String prefix, int pageSize) {
        return () -> {
            Iterator<S3Object> objects = s3.listObjectsV2Paginator(ListObjectsV2Request.builder().bucket(bucket).prefix(prefix)
                    .encodingType(EncodingType.URL).maxKeys(pageSize).build()).contents().iterator();
            return new Iterator<>() {
                private S3Object next = advance();

                private S3Object advance() {
                    while (objects.hasNext()) {
                        S3Object o = objects.next();
                        boolean folderMarker = o.key().endsWith("/") && o.size() == 0;
                        if (!folderMarker && o.key().length() > prefix.length()) {
                            return o;
                        }
                    }
                    return null;
                }

                @Override
                public boolean hasNext() {
                    return next != null;
                }

                @Override
                public S3Object next() {
                    if (next == null) {
                        throw new java.util.NoSuchElementException();
                    }
                    S3Object o = next;
                    next = advance();
                    return o;
                }
            };
        };
    }
}
