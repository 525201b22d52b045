package dev.s3loader.embedded.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.regex.Pattern;

/**
 * The temporary files of S3Proxy's nio2 back ends. {@code AbstractNio2BlobStore.putBlob} (also used
 * by CopyObject and CompleteMultipartUpload) writes {@code <stored name>-<UUID.randomUUID()>} beside
 * the object and renames it onto the object once complete; until then, or for ever after a crash,
 * the back end lists it as an object. {@link KeyEscapingBlobStore} stores no real key under a name
 * of that shape, so any such name is an unfinished write: never listed, and deleted at start-up.
 */
public final class UnfinishedWrites {
    /** {@code UUID.toString()}: lower-case hex, 8-4-4-4-12, after the '-' the back end adds. */
    static final Pattern SUFFIX = Pattern.compile(
            "-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$");
    /** Where S3Proxy keeps non-current versions and multipart parts: its own names, not writes. */
    private static final String VERSIONS_DIR = ".s3proxy-versions";
    private static final String MULTIPART_PREFIX = ".mpus-";

    private UnfinishedWrites() {
    }

    /** Whether a name as the back end stores it (the last segment decides) is a temporary file. */
    public static boolean isTemporary(String storedName) {
        if (storedName.endsWith("/")) {
            return false;
        }
        String file = storedName.substring(storedName.lastIndexOf('/') + 1);
        return !file.startsWith(MULTIPART_PREFIX) && SUFFIX.matcher(file).find();
    }

    /**
     * Deletes every temporary file under {@code root} (the directory whose sub-directories are the
     * buckets) and returns how many; run before the server starts, when no write can be in progress.
     */
    public static int sweep(Path root) {
        int[] deleted = {0};
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    return dir.getFileName() != null && dir.getFileName().toString().equals(VERSIONS_DIR)
                            ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    // root itself and bucket directories are never temporary; only files below a bucket.
                    if (attrs.isRegularFile() && file.getParent() != null && !file.getParent().equals(root)
                            && isTemporary(file.getFileName().toString())) {
                        Files.deleteIfExists(file);
                        deleted[0]++;
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                    if (e instanceof NoSuchFileException) {
                        return FileVisitResult.CONTINUE;
                    }
                    throw e;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove unfinished writes under " + root, e);
        }
        return deleted[0];
    }
}
