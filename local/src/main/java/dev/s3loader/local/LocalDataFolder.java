package dev.s3loader.local;

import dev.s3loader.model.ConfigException;
import dev.s3loader.model.DestinationKind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;

/**
 * scripts/local's data folder, held by one runtime at a time: a lock on {@code .lock} taken before
 * anything in the folder is read or changed (a second instance would otherwise sweep the first
 * one's writes in progress as unfinished), and the destination and table the folder was first run
 * with, kept in {@code destination.properties}, so that a restart never silently loads the waiting
 * files somewhere else.
 */
final class LocalDataFolder implements AutoCloseable {
    static final String LOCK = ".lock";
    static final String REMEMBERED = "destination.properties";
    /** What a copy destination records as its table: it has none. */
    static final String NO_TABLE = "-";

    /** The destination and table a data folder runs with. */
    record Choice(DestinationKind destination, String table) {
        String describe() {
            String d = destination.name().toLowerCase(Locale.ROOT);
            return destination == DestinationKind.COPY ? "DESTINATION=" + d : "DESTINATION=" + d + " DB_TABLE=" + table;
        }
    }

    private final FileChannel channel;
    private final FileLock lock;

    private LocalDataFolder(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** The choice the folder remembers, read without taking the lock (nothing is changed). */
    static Optional<Choice> remembered(Path folder) {
        Properties p = new Properties();
        try (var in = Files.newBufferedReader(folder.resolve(REMEMBERED), StandardCharsets.UTF_8)) {
            p.load(in);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + folder.resolve(REMEMBERED), e);
        }
        String d = p.getProperty("destination", "");
        for (DestinationKind k : DestinationKind.values()) {
            if (k.name().equalsIgnoreCase(d)) {
                return Optional.of(new Choice(k, p.getProperty("table", NO_TABLE)));
            }
        }
        return Optional.empty();
    }

    /**
     * Locks the folder (creating it if missing), checks that it was run with {@code choice} before
     * (or, with {@code switchOnPurpose}, forgets what it was run with), and records {@code choice}.
     *
     * @throws ConfigException another runtime holds the folder, or it was run with another destination or table
     */
    static LocalDataFolder claim(Path folder, Choice choice, boolean switchOnPurpose) {
        Optional<Choice> before = remembered(folder);
        if (before.isPresent() && !before.get().equals(choice) && !switchOnPurpose) {
            throw new ConfigException(differs(folder, before.get(), choice));
        }
        FileChannel channel;
        FileLock lock;
        try {
            Files.createDirectories(folder);
            channel = FileChannel.open(folder.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot use " + folder + " as the data folder", e);
        }
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException | IOException e) {
            lock = null;
        }
        if (lock == null) {
            close(channel);
            throw new ConfigException(inUse(folder));
        }
        LocalDataFolder held = new LocalDataFolder(channel, lock);
        try {
            // Read again under the lock: the check above ran before the folder was ours.
            Optional<Choice> now = remembered(folder);
            if (now.isPresent() && !now.get().equals(choice) && !switchOnPurpose) {
                throw new ConfigException(differs(folder, now.get(), choice));
            }
            if (now.isEmpty() || !now.get().equals(choice)) {
                record(folder, choice);
            }
            return held;
        } catch (RuntimeException e) {
            held.close();
            throw e;
        }
    }

    static String inUse(Path folder) {
        return "S3LOADER_DATA_DIR " + folder + " is in use by another scripts/local (it holds " + folder.resolve(LOCK)
                + "): stop that one first, or give this one its own S3LOADER_DATA_DIR and free ports (S3LOADER_S3_PORT, "
                + "S3LOADER_SQS_PORT, S3LOADER_PG_PORT)";
    }

    static String differs(Path folder, Choice before, Choice now) {
        return "S3LOADER_DATA_DIR " + folder + " was run with " + before.describe() + ", this start asks for " + now.describe()
                + ": the files waiting there would load into the other destination; start with the same settings, use another "
                + "S3LOADER_DATA_DIR, or switch on purpose with scripts/local --switch-destination";
    }

    private static void record(Path folder, Choice choice) {
        Path tmp = folder.resolve(REMEMBERED + ".tmp");
        String text = "# what scripts/local runs this data folder with; change it with scripts/local --switch-destination\n"
                + "destination=" + choice.destination().name().toLowerCase(Locale.ROOT) + "\ntable=" + choice.table() + "\n";
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, folder.resolve(REMEMBERED), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + folder.resolve(REMEMBERED), e);
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException e) {
            // the channel's close below releases it too
        }
        close(channel);
    }

    private static void close(FileChannel c) {
        try {
            c.close();
        } catch (IOException e) {
            // nothing held any more
        }
    }
}
