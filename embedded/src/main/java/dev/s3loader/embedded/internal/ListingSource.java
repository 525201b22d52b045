package dev.s3loader.embedded.internal;

import java.util.List;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Where {@link ListingSnapshots} takes a listing's names and its pages' metadata from. A listing
 * needs every name once (to sort them) but the metadata (size, etag, date) of only the thousand
 * entries on a page: splitting the two lets a page read no more than its own entries.
 */
interface ListingSource {
    /**
     * The entries after {@code request.startAfter()} in the store's order, at most
     * {@code request.maxKeys()}, with the back end's continuation token (its last name) when more
     * follow. Names are stored names; objects are keys only unless a directory (a key ending in '/')
     * or the source read them anyway. {@code request.prefix()} is a folder (ends in '/') or null.
     */
    ListObjectsV2Response names(ListObjectsV2Request request);

    /**
     * The objects of {@code bucket} named (stored names, in that order) as they are now, keyed by
     * stored name; a name no longer an object is left out.
     */
    List<S3Object> describe(String bucket, List<String> storedNames);
}
