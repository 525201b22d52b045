package dev.s3loader.loader.destination;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/** Waits for a task whose own failures are already results, so only a bug or an interrupt surfaces here. */
public final class Parallel {
    private Parallel() {
    }

    public static <T> T join(Future<T> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        }
    }
}
