package dev.s3loader.lister.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3loader.model.InFlight;
import dev.s3loader.model.ListerState;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class DispatchPlannerTest {
    private static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");
    private final DispatchPlanner planner = new DispatchPlanner(3, Duration.ofMinutes(60), 2);

    private static ListedFile file(String key, String etag, int minutesAgo) {
        return new ListedFile("incoming/" + key, etag, 10, NOW.minus(Duration.ofMinutes(minutesAgo)));
    }

    private static ListerState state(Object... keyEtagMinutesAttempts) {
        TreeMap<String, InFlight> m = new TreeMap<>();
        for (int i = 0; i < keyEtagMinutesAttempts.length; i += 4) {
            m.put("incoming/" + keyEtagMinutesAttempts[i], new InFlight((String) keyEtagMinutesAttempts[i + 1],
                    NOW.minus(Duration.ofMinutes((Integer) keyEtagMinutesAttempts[i + 2])), (Integer) keyEtagMinutesAttempts[i + 3]));
        }
        return new ListerState(m);
    }

    private static Set<String> sent(DispatchPlan p, DispatchPlan.Kind kind) {
        return p.toSend().stream().filter(d -> d.kind() == kind).map(d -> d.file().key().substring(9)).collect(Collectors.toSet());
    }

    @Test
    void plan_newFiles_oldestFirstUpToTheBound() {
        var listing = List.of(file("a", "e", 1), file("b", "e", 5), file("c", "e", 3), file("d", "e", 9), file("e", "e", 2));

        DispatchPlan p = planner.plan(listing.iterator(), ListerState.empty(), NOW);

        assertThat(p.toSend()).extracting(d -> d.file().key()).containsExactly("incoming/d", "incoming/b", "incoming/c");
        assertThat(p.waiting()).isEqualTo(2);
        assertThat(p.files()).isEqualTo(5);
        assertThat(p.bytes()).isEqualTo(50);
        assertThat(p.oldest()).isEqualTo(NOW.minus(Duration.ofMinutes(9)));
    }

    @Test
    void plan_inFlightNotDue_keptAndTakesRoom() {
        var listing = List.of(file("a", "e", 1), file("b", "e", 5), file("c", "e", 3));

        DispatchPlan p = planner.plan(listing.iterator(), state("a", "e", 10, 1, "b", "e", 10, 1), NOW);

        assertThat(p.kept()).containsOnlyKeys("incoming/a", "incoming/b");
        assertThat(sent(p, DispatchPlan.Kind.NEW)).containsExactly("c");
    }

    @Test
    void plan_inFlightFileGone_isForgottenAndFreesRoom() {
        var listing = List.of(file("c", "e", 3), file("d", "e", 4));

        DispatchPlan p = planner.plan(listing.iterator(), state("a", "e", 10, 1, "b", "e", 10, 1, "x", "e", 10, 1), NOW);

        assertThat(p.kept()).isEmpty();
        assertThat(sent(p, DispatchPlan.Kind.NEW)).containsExactlyInAnyOrder("c", "d");
        ListerState next = p.stateAfter(Set.of("incoming/c", "incoming/d"), ListerState.empty().entries());
        assertThat(next.entries()).containsOnlyKeys("incoming/c", "incoming/d");
    }

    @Test
    void plan_overwrittenWhileInFlight_isSentAgainWithTheNewEtag() {
        DispatchPlan p = planner.plan(List.of(file("a", "new", 1)).iterator(), state("a", "old", 5, 1), NOW);

        assertThat(p.toSend()).singleElement().satisfies(d -> {
            assertThat(d.kind()).isEqualTo(DispatchPlan.Kind.OVERWRITTEN);
            assertThat(d.entry()).isEqualTo(new InFlight("new", NOW, 1));
        });
    }

    @Test
    void plan_inFlightPastRequeueAfterAndTheQueueHoldsItsMessage_isKeptNotResent() {
        DispatchPlan p = planner.plan(List.of(file("a", "e", 900)).iterator(), state("a", "e", 600, 1), NOW,
                OptionalLong.of(1));

        assertThat(p.toSend()).isEmpty();
        assertThat(p.kept()).containsKey("incoming/a");
    }

    @Test
    void plan_queueDepthUnknown_nothingCountsAsLost() {
        DispatchPlan p = planner.plan(List.of(file("a", "e", 900)).iterator(), state("a", "e", 600, 1), NOW,
                OptionalLong.empty());

        assertThat(p.toSend()).isEmpty();
    }

    @Test
    void plan_queueHoldsFewerMessagesThanInFlight_resendsThatManyOldestDueOnly() {
        var listing = List.of(file("a", "e", 900), file("b", "e", 900), file("c", "e", 900), file("d", "e", 900));
        // a, b, c are due (sent 70-90 minutes ago), d was sent 5 minutes ago; the queue holds 2 of the 4 messages.
        ListerState s = state("a", "e", 80, 1, "b", "e", 90, 1, "c", "e", 70, 1, "d", "e", 5, 1);
        DispatchPlanner roomy = new DispatchPlanner(10, Duration.ofMinutes(60), 5);

        DispatchPlan p = roomy.plan(listing.iterator(), s, NOW, OptionalLong.of(2));

        assertThat(sent(p, DispatchPlan.Kind.REQUEUED)).containsExactlyInAnyOrder("b", "a");
        assertThat(p.kept()).containsOnlyKeys("incoming/c", "incoming/d");
    }

    @Test
    void plan_inFlightPastRequeueAfter_isRequeuedWithOneMoreAttempt() {
        DispatchPlan p = planner.plan(List.of(file("a", "e", 90)).iterator(), state("a", "e", 61, 1), NOW,
                OptionalLong.of(0));

        assertThat(p.toSend()).singleElement().satisfies(d -> {
            assertThat(d.kind()).isEqualTo(DispatchPlan.Kind.REQUEUED);
            assertThat(d.entry()).isEqualTo(new InFlight("e", NOW, 2));
        });
        assertThat(p.stuck()).isZero();
    }

    @Test
    void plan_attemptsExhausted_countsStuckAndStopsSending() {
        DispatchPlan p = planner.plan(List.of(file("a", "e", 300)).iterator(), state("a", "e", 61, 2), NOW);

        assertThat(p.toSend()).isEmpty();
        assertThat(p.stuck()).isEqualTo(1);
        assertThat(p.kept()).containsKey("incoming/a");
    }

    @Test
    void stateAfter_refusedSends_newOnesNotRecordedRequeuesKeepOldEntry() {
        DispatchPlan p = planner.plan(List.of(file("a", "e", 90), file("b", "e", 1)).iterator(), state("a", "e", 61, 1), NOW,
                OptionalLong.of(0));

        ListerState next = p.stateAfter(Set.of(), state("a", "e", 61, 1).entries());

        assertThat(next.entries()).containsOnlyKeys("incoming/a");
        assertThat(next.entries().get("incoming/a").attempts()).isEqualTo(1);
    }

    @Test
    void plan_objectListedWithoutEtag_countedButNotDispatchedYet() {
        var listing = List.of(file("a", "", 5), file("b", null, 4), file("c", "e", 3));

        DispatchPlan p = planner.plan(listing.iterator(), ListerState.empty(), NOW);

        assertThat(sent(p, DispatchPlan.Kind.NEW)).containsExactly("c");
        assertThat(p.files()).isEqualTo(3);
        assertThat(p.waiting()).isEqualTo(2);
    }

    @Test
    void plan_hugeBacklog_holdsAtMostTheBoundInMemory() {
        int bound = 1000;
        DispatchPlanner big = new DispatchPlanner(bound, Duration.ofMinutes(60), 5);
        int total = 200_000;
        // Every listed file is watched through a weak reference: after a collection, the ones still
        // alive are exactly what the planner holds. A planner that kept the listing and sorted it
        // at the end would hold every file listed so far.
        List<WeakReference<ListedFile>> watched = new ArrayList<>(total);
        List<Integer> heldAtCheckpoints = new ArrayList<>();
        Iterator<ListedFile> listing = new Iterator<>() {
            int i;

            public boolean hasNext() {
                return i < total;
            }

            public ListedFile next() {
                int n = i++;
                if (n > 0 && n % 50_000 == 0) {
                    heldAtCheckpoints.add(alive(watched));
                }
                ListedFile f = new ListedFile(String.format("incoming/f%07d", n), "e", 1, NOW.minusSeconds((n * 7919L) % total));
                watched.add(new WeakReference<>(f));
                return f;
            }
        };

        DispatchPlan p = big.plan(listing, ListerState.empty(), NOW);

        assertThat(heldAtCheckpoints).hasSize(3).allSatisfy(held -> assertThat(held).isLessThanOrEqualTo(bound + 10));
        assertThat(p.toSend()).hasSize(bound);
        assertThat(p.waiting()).isEqualTo(total - bound);
        List<Instant> times = new ArrayList<>(p.toSend().stream().map(d -> d.file().lastModified()).toList());
        assertThat(times).isSorted();
        assertThat(times.getLast()).isEqualTo(NOW.minusSeconds(total - bound));
    }

    /** Listed files still reachable once the garbage collector has run: the planner's own holdings. */
    private static int alive(List<WeakReference<ListedFile>> watched) {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        int alive = 0;
        for (WeakReference<ListedFile> r : watched) {
            if (r.get() != null) {
                alive++;
            }
        }
        return alive;
    }

    @Test
    void plan_eventFastPath_youngFileIsLeftToItsEventAnOlderOneIsAMissedEventAndSent() {
        // With the fast path on, S3 sends a new file's message itself; the lister sends only files
        // older than the grace with nothing in flight (their event was lost), and keeps its other rules.
        DispatchPlanner fastPath = new DispatchPlanner(3, Duration.ofMinutes(60), 2, Duration.ofMinutes(5));
        var listing = List.of(file("young", "e", 1), file("edge", "e", 5), file("missed", "e", 6),
                file("inflight", "e2", 1));

        DispatchPlan p = fastPath.plan(listing.iterator(), state("inflight", "e1", 10, 1), NOW);

        assertThat(sent(p, DispatchPlan.Kind.NEW)).containsExactlyInAnyOrder("missed", "edge");
        assertThat(sent(p, DispatchPlan.Kind.OVERWRITTEN)).containsExactly("inflight");
        assertThat(p.waiting()).as("a young file waits for its event, not for room").isZero();
        assertThat(p.files()).as("the backlog still counts it").isEqualTo(4);
        assertThat(p.oldest()).isEqualTo(NOW.minus(Duration.ofMinutes(6)));
    }

    @Test
    void plan_eventFastPathOff_youngFileIsSent() {
        DispatchPlan p = planner.plan(List.of(file("young", "e", 0)).iterator(), ListerState.empty(), NOW);

        assertThat(sent(p, DispatchPlan.Kind.NEW)).containsExactly("young");
    }
}
