package dev.s3loader.lister.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3loader.lister.ListerService;
import dev.s3loader.lister.Backlog;
import dev.s3loader.model.ListerState;
import dev.s3loader.model.ListingPass;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The real lister over a paging S3 endpoint at ~20,000 keys, its listing bounded per run so that
 * a pass spreads over several: what it dispatches and where its passes end. Counts, never times.
 */
class ListerAtScaleTest {
    private static final int KEYS = 20_000;
    private static final Duration LIST_FOR = Duration.ofMinutes(5);
    private static final String STATE = "_s3loader/lister-state";

    /** Runs until the pass under way completes (at most {@code cap} runs); the backlog of each run. */
    private static List<Backlog> runsToEndOfPass(ListerService lister, long maxListed, int cap) {
        List<Backlog> runs = new ArrayList<>();
        do {
            runs.add(lister.runOnce(LIST_FOR, maxListed));
        } while (!runs.getLast().passComplete() && runs.size() < cap);
        return runs;
    }

    @Test
    void runOnce_boundedRunsOverFourRanges_dispatchEveryKeyExactlyOnceAndCompleteThePass() {
        SyntheticKeys keys = SyntheticKeys.uniform("incoming/", KEYS);
        try (BenchStack s = new BenchStack(keys, Duration.ZERO, false)) {
            // Boundaries as a previous pass would have left them: four ranges of 5,000 keys.
            ListingPass pass = ListingPass.start(List.of(keys.key(4_999), keys.key(9_999), keys.key(14_999)),
                    ListingPass.Totals.NONE);
            s.s3Server().putObject(STATE, new ListerState(new TreeMap<>(), pass).encode());
            ListerService lister = s.lister("LIST_RANGES", "4");

            List<Backlog> runs = runsToEndOfPass(lister, 3_000, 20);

            assertThat(runs).hasSize(7);
            assertThat(runs).allSatisfy(b -> assertThat(b.enqueued()).isPositive());
            assertThat(runs.stream().mapToInt(Backlog::enqueued).sum()).isEqualTo(KEYS);
            assertThat(s.dispatchedKeys()).isEqualTo(KEYS);
            assertThat(s.duplicates()).isZero();
            assertThat(s.unknown()).isZero();
            assertThat(runs.getLast().files()).isEqualTo(KEYS);
            ListerState state = s.state();
            assertThat(state.size()).isEqualTo(KEYS);
            assertThat(state.pass().orElseThrow().previous().files()).isEqualTo(KEYS);

            // The next pass lists every key once more, over four ranges again, and sends nothing twice.
            Backlog again = lister.runOnce();
            assertThat(again.passComplete()).isTrue();
            assertThat(again.files()).isEqualTo(KEYS);
            assertThat(again.enqueued()).isZero();
            assertThat(s.duplicates()).isZero();
            assertThat(s.state().pass().orElseThrow().ranges()).isEqualTo(4);
        }
    }

    @Test
    void runOnce_skewedKeys_nextPassIsCutAtQuantilesIntoEvenRanges() {
        // 90% of the keys share one date folder: ranges cut evenly by key space would be badly uneven.
        SyntheticKeys keys = SyntheticKeys.dated("incoming/", KEYS);
        try (BenchStack s = new BenchStack(keys, Duration.ZERO, false)) {
            ListerService lister = s.lister("LIST_RANGES", "4");

            List<Backlog> first = runsToEndOfPass(lister, 6_000, 20);

            assertThat(first).hasSize(4);
            assertThat(s.dispatchedKeys()).isEqualTo(KEYS);
            ListingPass next = s.state().pass().orElseThrow();
            assertThat(next.ranges()).isEqualTo(4);
            long previous = -1;
            for (String boundary : next.boundaries()) {
                long at = keys.indexOf(boundary);
                assertThat(at).as("boundary %s is a listed key", boundary).isNotNegative();
                assertThat(at - previous).as("range ending at %s", boundary).isBetween(KEYS / 4L - KEYS / 10L, KEYS / 4L + KEYS / 10L);
                previous = at;
            }
            Backlog second = lister.runOnce();
            assertThat(second.passComplete()).isTrue();
            assertThat(second.files()).isEqualTo(KEYS);
            assertThat(s.duplicates()).isZero();
        }
    }

    /**
     * The defect this test shows: in-flight entries for files outside what a run listed stay in
     * flight until the pass comes back to them, even when the queue says their messages are gone
     * and the fleet has moved the files. So once the in-flight room is used, the later runs of a
     * pass dispatch nothing while files wait: with MAX_IN_FLIGHT_FILES=100,000 and a 10,000,000
     * backlog listed over ~9 runs, one run in nine dispatches.
     */
    @Test
    void runOnce_passSpreadOverRuns_refillsTheRoomTheFleetFreedEveryRun() {
        SyntheticKeys keys = SyntheticKeys.uniform("incoming/", KEYS);
        try (BenchStack s = new BenchStack(keys, Duration.ZERO, true)) {
            ListerService lister = s.lister("LIST_RANGES", "4", "MAX_IN_FLIGHT_FILES", "1000");

            List<Long> waitingBefore = new ArrayList<>();
            List<Integer> enqueued = new ArrayList<>();
            for (int run = 0; run < 6; run++) {
                waitingBefore.add(keys.remaining());
                enqueued.add(lister.runOnce(LIST_FOR, 3_000).enqueued());
            }

            // Every message was "loaded" at once (file gone, queue empty), so each run has all its room back.
            assertThat(waitingBefore).allSatisfy(w -> assertThat(w).isGreaterThan(1000));
            assertThat(enqueued).as("enqueued per run, files waiting before each: %s", waitingBefore)
                    .allSatisfy(e -> assertThat(e).isEqualTo(1000));
        }
    }

    /**
     * The defect this test shows: a run that took no file (its listing time ran out before the
     * first page came back: S3 slow, or a Lambda with little time left) leaves the pass exactly as
     * a fresh one looks, and ListerService takes "no file counted, every cursor not started" for
     * "a pass just ended": it reports passComplete=true with the last complete pass's totals (none
     * on a first pass, so BacklogFiles=0 and OldestFileAgeSeconds=0 are published over a full
     * backlog), and {@link ListerService#run} stops refilling. Seen in scripts/bench-lister with a
     * 1 s listing time on a cold JVM: run 1 listed 0 of 50,000 files and said the pass was complete.
     */
    @Test
    void runOnce_listingTimeEndsBeforeAnyFileIsTaken_doesNotReportACompletePass() {
        try (BenchStack s = new BenchStack(SyntheticKeys.uniform("incoming/", 1_000), Duration.ZERO, false)) {
            ListerService lister = s.lister("LIST_RANGES", "4");

            Backlog b = lister.runOnce(Duration.ZERO);

            assertThat(s.keys().remaining()).isEqualTo(1_000);
            assertThat(b.passComplete()).as("a run that listed nothing of 1,000 waiting files").isFalse();
        }
    }
}
