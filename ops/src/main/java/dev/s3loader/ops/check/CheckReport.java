package dev.s3loader.ops.check;

import dev.s3loader.model.CheckItem;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

/**
 * What {@code s3loader check} found: the wiring (queues, mapping, schedule, lister, notification,
 * containers) and the loader's preflight, as run from inside the loader ({@code loaderSource} says
 * where: the function invoked, or this process for --local).
 */
public record CheckReport(String target, Instant at, List<CheckItem> wiring, String loaderSource, List<CheckItem> loader) {
    public CheckReport {
        wiring = List.copyOf(wiring);
        loader = List.copyOf(loader);
    }

    public long problems() {
        return Stream.concat(wiring.stream(), loader.stream()).filter(i -> !i.ok()).count();
    }

    public boolean holds() {
        return problems() == 0;
    }
}
