package dev.s3loader.embedded.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.PriorityQueue;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.AbstractNio2BlobStore;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.ObjectStorageClass;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.StorageClass;

/**
 * Lists S3Proxy's nio2 back ends (filesystem-nio2, transient-nio2) from their directory tree,
 * reading names only: {@code AbstractNio2BlobStore.list} reads every entry's attributes and
 * extended attributes (4 to 10 system calls a file) for a page that keeps a thousand of them.
 * Here a walk reads the directories' names (and stats only entries of a directory that has
 * sub-directories), and {@link #describe} reads a page's files the way that list does: size and
 * date from the file's attributes, the etag from its {@code user.content-md5} extended attribute
 * (16 bytes: an MD5, written in hex; otherwise a multipart etag, as written), the storage class
 * from {@code user.storage-tier}.
 *
 * <p>The walk yields what {@code AbstractNio2BlobStore.list} yields, in the same order (stored
 * names, {@link String#compareTo}): files as keys; without a delimiter, sub-directories walked
 * and those holding a folder object (a key ending in '/', marked by {@code user.content-md5}) as
 * that object; with delimiter '/', sub-directories as common prefixes; the prefix's own folder
 * object; never S3Proxy's own names ({@code .mpus-*} parts, {@code .s3proxy-slash}, the bucket's
 * {@code .s3proxy-versions}). A bucket with versioning configured, whose current objects S3Proxy
 * resolves through its version store, is listed by the back end itself.
 */
final class Nio2Listing implements ListingSource {
    private static final String XATTR_CONTENT_MD5 = "user.content-md5";
    private static final String XATTR_STORAGE_TIER = "user.storage-tier";
    private static final String XATTR_VERSIONING = "user.versioning";
    private static final String MULTIPART_PREFIX = ".mpus-";
    private static final String SLASH_BLOB_NAME = ".s3proxy-slash";
    private static final String VERSIONS_DIR = ".s3proxy-versions";

    private final Path root;
    private final BackEndListing backEnd;

    Nio2Listing(Path root, BlobStore store) {
        this.root = root;
        this.backEnd = new BackEndListing(store);
    }

    /** A listing by directory walk for an nio2 back end, or null for any other store. */
    static Nio2Listing of(BlobStore store) {
        if (!(store instanceof AbstractNio2BlobStore nio2)) {
            return null;
        }
        try {
            Method getRoot = AbstractNio2BlobStore.class.getDeclaredMethod("getRoot");
            getRoot.setAccessible(true);
            return new Nio2Listing((Path) getRoot.invoke(nio2), store);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // Another S3Proxy version: its own listing still works, only slower.
            return null;
        }
    }

    /** One walked entry: a file (object null: read on its page), a folder object, or a common prefix. */
    private record Entry(String name, Object asListed) {
    }

    @Override
    public ListObjectsV2Response names(ListObjectsV2Request request) {
        Path container = root.resolve(request.bucket());
        if (!Files.isDirectory(container) || versioned(container)) {
            return backEnd.names(request);
        }
        String folder = request.prefix() == null ? "" : request.prefix();
        if (!folder.isEmpty() && !folder.endsWith("/")) {
            throw new IllegalArgumentException("prefix must be a folder: " + folder);
        }
        String delimiter = request.delimiter() == null || request.delimiter().isEmpty() ? null : request.delimiter();
        if (delimiter != null && !delimiter.equals("/")) {
            return backEnd.names(request);
        }
        int limit = request.maxKeys() == null ? Integer.MAX_VALUE : request.maxKeys();
        Selection selection = new Selection(request.startAfter(), limit);
        Path start = folder.isEmpty() ? container : container.resolve(folder.substring(0, folder.length() - 1));
        try {
            if (!folder.isEmpty()) {
                // The prefix's own folder object, which the walk below never reaches.
                S3Object marker = folderObject(start, folder);
                if (marker != null) {
                    selection.offer(new Entry(folder, marker));
                }
            }
            walk(selection, container, start, folder, delimiter != null);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + start, e);
        }
        List<Entry> kept = selection.sorted();
        List<S3Object> contents = new ArrayList<>();
        List<CommonPrefix> prefixes = new ArrayList<>();
        for (Entry e : kept) {
            if (e.asListed() instanceof CommonPrefix c) {
                prefixes.add(c);
            } else if (e.asListed() instanceof S3Object o) {
                contents.add(o);
            } else {
                contents.add(S3Object.builder().key(e.name()).build());
            }
        }
        String next = selection.truncated() && !kept.isEmpty() ? kept.getLast().name() : null;
        return ListObjectsV2Response.builder().contents(contents).commonPrefixes(prefixes)
                .nextContinuationToken(next).isTruncated(next != null).build();
    }

    /**
     * Offers every entry under {@code dir} ({@code name}: its stored name with a trailing '/', or
     * "" for the bucket). A directory's entries are stat'ed only when it has sub-directories: on
     * Linux file systems a directory's link count is 2 plus its sub-directories, so 2 says "files
     * only" (1, as btrfs or a huge ext4 directory report, says nothing, and every entry is stat'ed).
     */
    private void walk(Selection selection, Path container, Path dir, String name, boolean delimited)
            throws IOException {
        boolean filesOnly = linkCount(dir) == 2;
        try (DirectoryStream<Path> entries = openIfPresent(dir)) {
            if (entries == null) {
                return;
            }
            for (Path entry : entries) {
                String file = entry.getFileName().toString();
                if (file.startsWith(MULTIPART_PREFIX) || file.equals(SLASH_BLOB_NAME)
                        || (file.equals(VERSIONS_DIR) && dir.equals(container))) {
                    continue;
                }
                String stored = name + file;
                if (filesOnly) {
                    offerFile(selection, stored);
                    continue;
                }
                BasicFileAttributes attributes;
                try {
                    attributes = Files.readAttributes(entry, BasicFileAttributes.class);
                } catch (NoSuchFileException e) {
                    continue; // deleted while listed: not there
                }
                if (!attributes.isDirectory()) {
                    offerFile(selection, stored);
                } else if (delimited) {
                    selection.offer(new Entry(stored + "/", CommonPrefix.builder().prefix(stored + "/").build()));
                } else {
                    S3Object marker = folderObject(entry, stored + "/");
                    if (marker != null) {
                        selection.offer(new Entry(stored + "/", marker));
                    }
                    walk(selection, container, entry, stored + "/", false);
                }
            }
        } catch (DirectoryIteratorException e) {
            if (!(e.getCause() instanceof NoSuchFileException) && Files.exists(dir)) {
                throw e.getCause();
            }
        }
    }

    private static void offerFile(Selection selection, String stored) {
        // Unfinished writes (S3Proxy's temporary files) included, as S3Proxy lists them: ListingSnapshots drops them.
        selection.offer(new Entry(stored, null));
    }

    @Override
    public List<S3Object> describe(String bucket, List<String> storedNames) {
        Path container = root.resolve(bucket);
        if (versioned(container)) {
            return backEnd.describe(bucket, storedNames);
        }
        List<S3Object> objects = new ArrayList<>(storedNames.size());
        for (String name : storedNames) {
            try {
                Path file = container.resolve(name);
                BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
                if (attributes.isDirectory()) {
                    continue; // no longer a file: a directory took its name
                }
                UserDefinedFileAttributeView view = Files.getFileAttributeView(file, UserDefinedFileAttributeView.class);
                List<String> xattrs = names(view);
                String tier = xattrs.contains(XATTR_STORAGE_TIER) ? readString(view, XATTR_STORAGE_TIER) : null;
                objects.add(S3Object.builder().key(name)
                        .eTag(xattrs.contains(XATTR_CONTENT_MD5) ? etag(read(view, XATTR_CONTENT_MD5)) : null)
                        .lastModified(Instant.ofEpochMilli(attributes.lastModifiedTime().toMillis()))
                        .size(attributes.size())
                        .storageClass(ObjectStorageClass.fromValue(storageClass(tier).toString()))
                        .build());
            } catch (NoSuchFileException e) {
                // Deleted since the walk: not listed, as S3 would not list it now.
            } catch (IOException e) {
                if (Files.exists(root.resolve(bucket).resolve(name))) {
                    throw new UncheckedIOException("cannot read " + name, e);
                }
            }
        }
        return objects;
    }

    /** The folder object a directory holds (a key ending in '/', as S3Proxy marks it), or null. */
    private static S3Object folderObject(Path dir, String key) throws IOException {
        try {
            UserDefinedFileAttributeView view = Files.getFileAttributeView(dir, UserDefinedFileAttributeView.class);
            if (!Files.isDirectory(dir) || !names(view).contains(XATTR_CONTENT_MD5)) {
                return null;
            }
            BasicFileAttributes attributes = Files.readAttributes(dir, BasicFileAttributes.class);
            return S3Object.builder().key(key).eTag(etag(read(view, XATTR_CONTENT_MD5)))
                    .lastModified(Instant.ofEpochMilli(attributes.lastModifiedTime().toMillis())).size(0L)
                    .storageClass(ObjectStorageClass.STANDARD).build();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private static boolean versioned(Path container) {
        try {
            return names(Files.getFileAttributeView(container, UserDefinedFileAttributeView.class))
                    .contains(XATTR_VERSIONING);
        } catch (IOException e) {
            return false;
        }
    }

    private static int linkCount(Path dir) {
        // Only the operating system's file systems are known to count links this way (not Jimfs).
        if (dir.getFileSystem() != FileSystems.getDefault()
                || !dir.getFileSystem().supportedFileAttributeViews().contains("unix")) {
            return -1;
        }
        try {
            return (Integer) Files.getAttribute(dir, "unix:nlink");
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static DirectoryStream<Path> openIfPresent(Path dir) throws IOException {
        try {
            return Files.newDirectoryStream(dir);
        } catch (NoSuchFileException | NotDirectoryException e) {
            return null;
        }
    }

    /** A file's extended attribute names; none where the file system keeps none (as S3Proxy reads it). */
    private static List<String> names(UserDefinedFileAttributeView view) throws IOException {
        if (view == null) {
            return List.of();
        }
        try {
            return view.list();
        } catch (NoSuchFileException e) {
            throw e;
        } catch (IOException | UnsupportedOperationException e) {
            return List.of();
        }
    }

    private static byte[] read(UserDefinedFileAttributeView view, String name) throws IOException {
        // One read into a buffer that fits any etag (an MD5, or a multipart etag); asking the size
        // first would cost another open and getxattr per file. A larger value is read as sized.
        ByteBuffer buffer = ByteBuffer.allocate(256);
        try {
            view.read(name, buffer);
            return Arrays.copyOf(buffer.array(), buffer.position());
        } catch (NoSuchFileException e) {
            throw e;
        } catch (IOException | BufferOverflowException e) {
            ByteBuffer sized = ByteBuffer.allocate(view.size(name));
            view.read(name, sized);
            return sized.array();
        }
    }

    private static String readString(UserDefinedFileAttributeView view, String name) throws IOException {
        return new String(read(view, name), StandardCharsets.UTF_8);
    }

    /** As {@code AbstractNio2BlobStore.readETagXattr}: an MD5 in hex, or a multipart etag as stored. */
    private static String etag(byte[] stored) {
        return stored.length == 16 ? HexFormat.of().formatHex(stored) : new String(stored, StandardCharsets.US_ASCII);
    }

    /** As {@code AbstractNio2BlobStore.parseStorageClass}: a name it does not know is STANDARD. */
    private static StorageClass storageClass(String tier) {
        if (tier == null) {
            return StorageClass.STANDARD;
        }
        try {
            return StorageClass.valueOf(tier);
        } catch (IllegalArgumentException e) {
            return StorageClass.STANDARD;
        }
    }

    /**
     * The {@code limit} smallest entries after {@code after}: a bounded max-heap, so that memory
     * stays at {@code limit} entries however many the walk passes.
     */
    private static final class Selection {
        private final String after;
        private final int limit;
        private final PriorityQueue<Entry> heap = new PriorityQueue<>(
                Comparator.comparing(Entry::name).reversed());
        private boolean truncated;

        Selection(String after, int limit) {
            this.after = after;
            this.limit = limit;
        }

        void offer(Entry e) {
            if (after != null && e.name().compareTo(after) <= 0) {
                return;
            }
            if (heap.size() < limit) {
                heap.add(e);
            } else {
                truncated = true;
                if (limit > 0 && e.name().compareTo(heap.peek().name()) < 0) {
                    heap.poll();
                    heap.add(e);
                }
            }
        }

        boolean truncated() {
            return truncated;
        }

        List<Entry> sorted() {
            List<Entry> all = new ArrayList<>(heap);
            all.sort(Comparator.comparing(Entry::name));
            return all;
        }
    }
}
