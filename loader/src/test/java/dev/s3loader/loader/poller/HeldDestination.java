package dev.s3loader.loader.poller;

import dev.s3loader.loader.destination.Deadline;
import dev.s3loader.loader.destination.Destination;
import dev.s3loader.loader.destination.LoadResult;
import dev.s3loader.model.FileMessage;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/** Loads nothing until the test lets it finish: as long as the test needs, whatever the machine's speed. */
final class HeldDestination implements Destination {
    final CountDownLatch started = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final AtomicReference<Deadline> deadline = new AtomicReference<>();

    @Override
    public List<LoadResult> load(List<FileMessage> files, String batchId, Deadline deadline) {
        this.deadline.set(deadline);
        started.countDown();
        try {
            if (!release.await(120, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test never released the load");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return files.stream().<LoadResult>map(f -> new LoadResult.Loaded(f, 1)).toList();
    }
}
