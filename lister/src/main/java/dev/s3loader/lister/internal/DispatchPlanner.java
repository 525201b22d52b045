package dev.s3loader.lister.internal;

import dev.s3loader.lister.StuckRule;
import dev.s3loader.model.InFlight;
import dev.s3loader.model.ListerState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Joins one streaming pass over the listing of {@code incoming/} with the in-flight state.
 * Memory is bounded by {@code maxInFlight}: the in-flight entries kept plus a heap of the oldest
 * candidates never exceed it, however many files wait in {@code incoming/}.
 *
 * <p>Time in the queue is not a sign of loss: a backlog may take hours to drain. A file in flight
 * is sent again only when its message is really gone, which the queue's depth tells: when the
 * queue holds fewer messages than there are files in flight, that many messages were lost
 * (deleted without their file moving, expired, or moved to the dead-letter queue), and the
 * oldest dispatched files are sent again, none before {@code requeueAfter}. A sent-again file
 * that was not lost after all is a harmless duplicate, which the loader skips. A version
 * dispatched {@code maxAttempts} times is stuck: counted, left alone, and holding no room.
 *
 * <p>With the event fast path on, S3 sends a new file's message itself, the moment it is written.
 * A file younger than {@code eventGrace} with nothing in flight is then left to its event (counted
 * in the backlog, not sent, so the queue does not carry every file twice); an older one with
 * nothing in flight had its event lost, and is sent like any new file. The in-flight rules are
 * the same either way.
 */
public final class DispatchPlanner {
    /** Oldest first; the key breaks ties so that the order is total and repeatable. */
    static final Comparator<ListedFile> OLDEST_FIRST =
            Comparator.comparing(ListedFile::lastModified).thenComparing(ListedFile::key);

    private final int maxInFlight;
    private final Duration requeueAfter;
    private final int maxAttempts;
    private final Duration eventGrace;
    private final StuckRule stuck;

    public DispatchPlanner(int maxInFlight, Duration requeueAfter, int maxAttempts) {
        this(maxInFlight, requeueAfter, maxAttempts, Duration.ZERO);
    }

    /** @param eventGrace how long a new file is left to its S3 event; zero when the event fast path is off */
    public DispatchPlanner(int maxInFlight, Duration requeueAfter, int maxAttempts, Duration eventGrace) {
        this.maxInFlight = maxInFlight;
        this.requeueAfter = requeueAfter;
        this.maxAttempts = maxAttempts;
        this.eventGrace = eventGrace;
        this.stuck = new StuckRule(requeueAfter, maxAttempts);
    }

    /** The {@link StuckRule} at this planner's settings. */
    public boolean isStuck(InFlight entry, String listedEtag, Instant now) {
        return stuck.isStuck(entry, listedEtag, now);
    }

    /** Plans a complete listing without knowing the queue's depth: no file in flight counts as lost. */
    public DispatchPlan plan(Iterator<ListedFile> listing, ListerState state, Instant now) {
        return plan(listing, state, now, OptionalLong.empty(), key -> true);
    }

    /** Plans a complete listing of {@code incoming/}. */
    public DispatchPlan plan(Iterator<ListedFile> listing, ListerState state, Instant now, OptionalLong queueHeld) {
        return plan(listing, state, now, queueHeld, key -> true);
    }

    /**
     * @param queueHeld messages the queue held just before the listing, if known
     * @param covered   whether the listing looked where a key would be (asked once it ended): an
     *                  in-flight key it covered but did not list has left {@code incoming/}; one it
     *                  did not cover stays in flight as it is
     */
    public DispatchPlan plan(Iterator<ListedFile> listing, ListerState state, Instant now, OptionalLong queueHeld,
                             Predicate<String> covered) {
        Pass pass = new Pass(state.entries(), now, queueHeld);
        listing.forEachRemaining(pass::take);
        pass.keepUncovered(covered);
        pass.requeueLost();
        pass.fitCandidates();
        pass.forgetUncoveredBeyondTheBound();
        return pass.plan();
    }

    /**
     * Files not in flight that may be sent, the oldest kept: a heap with the newest on top, so it
     * is the one evicted when room runs out. An evicted file waits for a later run.
     */
    private static final class Candidates {
        private final PriorityQueue<ListedFile> heap = new PriorityQueue<>(OLDEST_FIRST.reversed());
        private long evicted;

        void add(ListedFile f) {
            heap.add(f);
        }

        /** Evicts the newest until at most {@code room} are left. */
        void fitIn(long room) {
            while (!heap.isEmpty() && heap.size() > room) {
                heap.poll();
                evicted++;
            }
        }

        int size() {
            return heap.size();
        }

        List<ListedFile> oldestFirst() {
            List<ListedFile> fresh = new ArrayList<>(heap);
            fresh.sort(OLDEST_FIRST);
            return fresh;
        }
    }

    /** One plan's join of the listing with the in-flight state, step by step. */
    private final class Pass {
        private final Map<String, InFlight> inFlight;
        private final Instant now;
        private final OptionalLong queueHeld;
        /** Messages the queue held; unknown counts as holding every file in flight. */
        private final long held;
        private final Map<String, InFlight> kept = new HashMap<>();
        private final List<DispatchPlan.Dispatch> resend = new ArrayList<>();
        private final Set<String> resent = new HashSet<>();
        /** In flight long enough that a lost message may be sent again. */
        private final List<ListedFile> due = new ArrayList<>();
        /** In flight but outside what this run listed (a pass split over runs). */
        private final List<Map.Entry<String, InFlight>> uncovered = new ArrayList<>();
        private final Candidates candidates = new Candidates();
        private long files;
        private long bytes;
        private Instant oldest;
        /** Listed without an etag: still being written. */
        private long unfinished;
        private int stuck;

        Pass(Map<String, InFlight> inFlight, Instant now, OptionalLong queueHeld) {
            this.inFlight = inFlight;
            this.now = now;
            this.queueHeld = queueHeld;
            this.held = queueHeld.isPresent() ? queueHeld.getAsLong() : Long.MAX_VALUE;
        }

        /** One listed file: counted in the backlog, joined with its in-flight entry, and the candidates kept within room. */
        void take(ListedFile f) {
            files++;
            bytes += f.size();
            if (oldest == null || f.lastModified().isBefore(oldest)) {
                oldest = f.lastModified();
            }
            InFlight entry = inFlight.get(f.key());
            if (f.etag() == null || f.etag().isEmpty()) {
                // An object still being written can be listed without an etag; it is dispatched once complete.
                unfinished++;
                if (entry != null) {
                    kept.put(f.key(), entry);
                }
            } else if (entry == null) {
                if (!leftToItsEvent(f, now)) {
                    candidates.add(f);
                }
            } else if (!entry.etag().equals(f.etag())) {
                resent.add(f.key());
                resend.add(new DispatchPlan.Dispatch(f, new InFlight(f.etag(), now, 1), DispatchPlan.Kind.OVERWRITTEN));
            } else if (isStuck(entry, f.etag(), now)) {
                stuck++;
                kept.put(f.key(), entry);
            } else {
                kept.put(f.key(), entry);
                if (Duration.between(entry.enqueuedAt(), now).compareTo(requeueAfter) >= 0) {
                    due.add(f);
                }
            }
            // Bounded memory: the heap never holds more than the room left.
            fitCandidates();
        }

        /** Files in flight outside what this run listed stay in flight. */
        void keepUncovered(Predicate<String> covered) {
            for (Map.Entry<String, InFlight> e : inFlight.entrySet()) {
                if (!kept.containsKey(e.getKey()) && !resent.contains(e.getKey()) && !covered.test(e.getKey())) {
                    kept.put(e.getKey(), e.getValue());
                    uncovered.add(e);
                }
            }
        }

        /**
         * Messages really gone: at least as many as the files listed in flight that the queue cannot
         * hold. (Entries outside the listing may be finished already; they must not count as lost.)
         * The longest in flight are sent again.
         */
        void requeueLost() {
            long listedLive = kept.size() - stuck - uncovered.size();
            long lost = queueHeld.isPresent() ? Math.max(0, listedLive - held) : 0;
            due.sort(Comparator.comparing((ListedFile f) -> inFlight.get(f.key()).enqueuedAt()).thenComparing(ListedFile::key));
            for (ListedFile f : due.subList(0, (int) Math.min(lost, due.size()))) {
                resend.add(new DispatchPlan.Dispatch(f, kept.remove(f.key()).requeued(now), DispatchPlan.Kind.REQUEUED));
            }
        }

        /**
         * Entries in flight take room first (stuck ones hold none, and no more than the queue still
         * holds: an entry beyond it is finished or lost, so the room a fleet freed is refilled every
         * run, also while a pass is spread over runs); only the oldest candidates fit in what is left.
         */
        void fitCandidates() {
            candidates.fitIn(maxInFlight - Math.min(kept.size() - stuck, held) - resend.size());
        }

        /**
         * The state stays within the bound: entries outside this run's listing that the room no longer
         * justifies are forgotten, oldest first (one still waiting is at worst sent again when listed).
         */
        void forgetUncoveredBeyondTheBound() {
            uncovered.sort(Map.Entry.comparingByValue(Comparator.comparing(InFlight::enqueuedAt)));
            long excess = kept.size() - stuck + resend.size() + candidates.size() - (long) maxInFlight;
            for (int i = 0; i < uncovered.size() && excess > 0; i++, excess--) {
                kept.remove(uncovered.get(i).getKey());
            }
        }

        /** The resends first, then the new files oldest first. */
        DispatchPlan plan() {
            List<DispatchPlan.Dispatch> toSend = new ArrayList<>(resend);
            for (ListedFile f : candidates.oldestFirst()) {
                toSend.add(new DispatchPlan.Dispatch(f, new InFlight(f.etag(), now, 1), DispatchPlan.Kind.NEW));
            }
            return new DispatchPlan(toSend, kept, stuck, files, bytes, oldest, unfinished + candidates.evicted);
        }
    }

    private boolean leftToItsEvent(ListedFile f, Instant now) {
        return eventGrace.isPositive() && Duration.between(f.lastModified(), now).compareTo(eventGrace) < 0;
    }
}
