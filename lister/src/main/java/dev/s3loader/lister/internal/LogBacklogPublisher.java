package dev.s3loader.lister.internal;

import dev.s3loader.lister.Backlog;
import dev.s3loader.lister.BacklogPublisher;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;

/** Local mode: the gauges go to a metrics log (one JSON line a run). */
public final class LogBacklogPublisher implements BacklogPublisher {
    private final Path file;
    private final Clock clock;

    public LogBacklogPublisher(Path file, Clock clock) {
        this.file = file;
        this.clock = clock;
    }

    @Override
    public void publish(Backlog b) {
        String line = String.format("{\"time\":\"%s\",\"BacklogFiles\":%d,\"BacklogBytes\":%d,\"OldestFileAgeSeconds\":%d,"
                        + "\"InFlightFiles\":%d,\"EnqueuedFiles\":%d,\"StuckFiles\":%d}%n",
                clock.instant(), b.files(), b.bytes(), b.oldestAge().toSeconds(), b.inFlight(), b.enqueued(), b.stuck());
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND)) {
            w.write(line);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
