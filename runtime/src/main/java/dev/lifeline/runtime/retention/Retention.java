package dev.lifeline.runtime.retention;

import dev.lifeline.runtime.catalog.GenerationInfo;
import dev.lifeline.runtime.catalog.ReplicaCatalog;
import dev.lifeline.runtime.catalog.SegmentEntry;
import dev.lifeline.runtime.catalog.SnapshotEntry;
import dev.lifeline.runtime.format.ReplicaLayout;
import dev.lifeline.runtime.replica.ObjectInfo;
import dev.lifeline.runtime.replica.ReplicaClient;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Deletes what a replica no longer needs to restore any point of the retention window
 * {@code [now - window, now]}, in an order that keeps the replica restorable (by Lifeline and by
 * Litestream 0.3) after every single deletion, so a crash or a failed delete never leaves a
 * broken chain behind a snapshot. {@link #plan} is pure; {@link #apply} deletes. See
 * docs/FORMAT.md, "Retention".
 *
 * <p>Rules, with {@code cutoff = now - window}:
 * <ul>
 *   <li>The newest {@code minSnapshots} snapshots of the replica (by time) are never deleted, nor
 *       any generation holding one, nor the current generation (the newest data), nor generations
 *       the caller names.</li>
 *   <li>Within a kept generation, the <em>base</em> is its newest snapshot taken before the
 *       cutoff (none: nothing of it is deleted), moved back to its oldest protected snapshot if
 *       that is older. Strictly before: every commit at or after the cutoff is then after the
 *       base's own position, so each one restores by txid as well as by time. Every snapshot with a lower index is deleted, and every WAL index lower
 *       than the base's index, whole: the base's own index is kept from offset 0, since restore
 *       replays it from there; a partial index is never deleted.</li>
 *   <li>An older generation is deleted whole (snapshots, segments, their metadata,
 *       generation.json) when its last commit is before the cutoff and a newer generation has a
 *       snapshot before the cutoff (so that generation restores every point of the window,
 *       including the time between this generation's end and the next one's start).</li>
 * </ul>
 *
 * <p>Order: oldest first. Each deleted snapshot goes before the WAL indexes that only it could
 * replay (from its index to the next snapshot's), so every snapshot still present keeps its whole
 * chain; within an index segments go from the highest offset down, so what is left of an index
 * always starts at offset 0 (Litestream's rule); each object's data goes before its metadata.
 * A failed data deletion stops that generation's work (the next run resumes it); a failed
 * metadata deletion leaves only an unreferenced metadata object and is reported.
 */
public final class Retention {

    private static final System.Logger LOG = System.getLogger("dev.lifeline.retention");

    private final RetentionPolicy policy;

    public Retention(RetentionPolicy policy) {
        this.policy = Objects.requireNonNull(policy);
    }

    public RetentionPolicy policy() {
        return policy;
    }

    // ------------------------------------------------------------------ plan

    /** What one object deletion is. */
    public enum Kind { SNAPSHOT, SEGMENT, SNAPSHOT_META, SEGMENT_META }

    /** One object to delete; {@code size} is known for data objects, -1 for metadata. */
    public record Deletion(String generation, Kind kind, int index, long offset, long size) {
        public boolean data() {
            return kind == Kind.SNAPSHOT || kind == Kind.SEGMENT;
        }

        public String key(ReplicaLayout layout) {
            return switch (kind) {
                case SNAPSHOT -> layout.snapshotKey(generation, index);
                case SNAPSHOT_META -> layout.snapshotMetaKey(generation, index);
                case SEGMENT -> layout.segmentKey(generation, index, offset);
                case SEGMENT_META -> layout.segmentMetaKey(generation, index, offset);
            };
        }

        @Override
        public String toString() {
            return switch (kind) {
                case SNAPSHOT, SNAPSHOT_META -> String.format("%s %s/%08x", kind, generation, index);
                case SEGMENT, SEGMENT_META -> String.format("%s %s/%08x_%08x", kind, generation, index, offset);
            };
        }
    }

    /**
     * The work on one generation, in order.
     *
     * @param drop      true: the whole generation goes (its remaining metadata and objects under
     *                  its prefixes are swept too, generation.json last, the final data object after them)
     * @param baseIndex for a trim, the index of the base snapshot (everything below it goes); -1 for a drop
     */
    public record Action(String generation, boolean drop, int baseIndex, String reason, List<Deletion> deletions) {
        public long snapshots() {
            return deletions.stream().filter(d -> d.kind() == Kind.SNAPSHOT).count();
        }

        public long segments() {
            return deletions.stream().filter(d -> d.kind() == Kind.SEGMENT).count();
        }

        public long bytes() {
            return deletions.stream().filter(Deletion::data).mapToLong(Deletion::size).sum();
        }
    }

    /** What {@link #apply} will do; {@code kept} explains what is kept and why, for dry runs and logs. */
    public record Plan(Instant now, Instant cutoff, List<Action> actions, List<String> kept) {
        public boolean isEmpty() {
            return actions.isEmpty();
        }

        public long bytes() {
            return actions.stream().mapToLong(Action::bytes).sum();
        }

        public String summary() {
            long gens = actions.stream().filter(Action::drop).count();
            long snaps = actions.stream().mapToLong(Action::snapshots).sum();
            long segs = actions.stream().mapToLong(Action::segments).sum();
            return "retention at " + now + " (keeping everything since " + cutoff + "): delete " + gens
                    + " generation(s), " + snaps + " snapshot(s), " + segs + " WAL segment(s), " + bytes() + " bytes";
        }
    }

    /** Plans against the replica's generations as {@link ReplicaCatalog#generations()} lists them. */
    public Plan plan(List<GenerationInfo> gens, Instant now) {
        return plan(gens, now, Set.of());
    }

    /**
     * @param keep generations never to delete from (e.g. the one a replicator is writing), in
     *             addition to the current one and those holding the newest snapshots
     */
    public Plan plan(List<GenerationInfo> gens, Instant now, Set<String> keep) {
        Instant cutoff = now.minus(policy.window());
        List<GenerationInfo> ordered = new ArrayList<>(gens);
        ordered.sort(Comparator.comparing(GenerationInfo::updated)); // stable: ties keep the caller's order
        List<String> kept = new ArrayList<>();
        if (ordered.isEmpty()) {
            return new Plan(now, cutoff, List.of(), kept);
        }
        // The newest snapshots of the whole replica are protected.
        record Snap(int gen, SnapshotEntry s) {
        }
        List<Snap> all = new ArrayList<>();
        for (int i = 0; i < ordered.size(); i++) {
            for (SnapshotEntry s : ordered.get(i).snapshots()) {
                all.add(new Snap(i, s));
            }
        }
        all.sort(Comparator.comparing((Snap x) -> time(x.s())).thenComparingInt(Snap::gen)
                .thenComparingInt(x -> x.s().index()).reversed());
        Set<SnapshotEntry> protectedSnaps = new HashSet<>();
        Set<String> protectedGens = new HashSet<>(keep);
        for (int i = 0; i < Math.min(policy.minSnapshots(), all.size()); i++) {
            protectedSnaps.add(all.get(i).s());
            protectedGens.add(all.get(i).s().generation());
        }
        GenerationInfo current = ordered.get(ordered.size() - 1);
        protectedGens.add(current.id());
        // The newest generation that can restore the cutoff itself: older ones are not needed for the window.
        int coverer = -1;
        for (int i = ordered.size() - 1; i >= 0 && coverer < 0; i--) {
            for (SnapshotEntry s : ordered.get(i).snapshots()) {
                if (time(s).isBefore(cutoff)) {
                    coverer = i;
                    break;
                }
            }
        }
        List<Action> actions = new ArrayList<>();
        for (int i = 0; i < ordered.size(); i++) {
            GenerationInfo g = ordered.get(i);
            boolean inWindow = !g.updated().isBefore(cutoff);
            if (!protectedGens.contains(g.id()) && !inWindow && i < coverer) {
                actions.add(drop(g, "last commit " + g.updated() + " is before " + cutoff + " and generation "
                        + ordered.get(coverer).id() + " restores every point since"));
                continue;
            }
            String why = g == current ? "current generation"
                    : protectedGens.contains(g.id()) ? "holds one of the newest snapshots or is in use"
                    : inWindow ? "has commits within the window"
                    : "no newer generation restores " + cutoff;
            SnapshotEntry base = null;
            for (SnapshotEntry s : g.snapshots()) {
                if (time(s).isBefore(cutoff)) {
                    base = s;
                }
            }
            if (base != null) {
                for (SnapshotEntry s : g.snapshots()) {
                    if (protectedSnaps.contains(s) && s.index() < base.index()) {
                        base = s;
                        break;
                    }
                }
            }
            if (base == null) {
                kept.add(g.id() + " kept whole (" + why + "; no snapshot before " + cutoff + ")");
                continue;
            }
            Action trim = trim(g, base);
            if (trim.deletions().isEmpty()) {
                kept.add(g.id() + " kept whole (" + why + "; its base snapshot " + String.format("%08x", base.index())
                        + " is its first)");
            } else {
                actions.add(trim);
                kept.add(g.id() + " kept from snapshot " + String.format("%08x", base.index()) + " (" + why + ")");
            }
        }
        return new Plan(now, cutoff, List.copyOf(actions), List.copyOf(kept));
    }

    private static Action trim(GenerationInfo g, SnapshotEntry base) {
        List<SnapshotEntry> snaps = g.snapshots().stream().filter(s -> s.index() < base.index()).toList();
        List<Deletion> d = ordered(g, snaps, base.index());
        return new Action(g.id(), false, base.index(), String.format("restores from snapshot %08x (%s)",
                base.index(), time(base)), List.copyOf(d));
    }

    private static Action drop(GenerationInfo g, String reason) {
        List<Deletion> d = ordered(g, g.snapshots(), Integer.MAX_VALUE);
        // The final data object goes last, after the metadata sweep (which takes its metadata): until
        // then the generation stays listed, so a run that fails half-way is finished by the next one.
        for (int i = d.size() - 1; i >= 0; i--) {
            if (d.get(i).data()) {
                Deletion last = d.remove(i);
                d.removeIf(x -> !x.data() && x.index() == last.index() && x.offset() == last.offset()
                        && (x.kind() == Kind.SEGMENT_META) == (last.kind() == Kind.SEGMENT));
                d.add(last);
                break;
            }
        }
        return new Action(g.id(), true, -1, reason, List.copyOf(d));
    }

    /**
     * Deletions of {@code snaps} (index order) and of every WAL index below {@code limit}: first the
     * indexes below the first snapshot (no snapshot reaches them), then each snapshot followed by
     * the indexes only it replays.
     */
    private static List<Deletion> ordered(GenerationInfo g, List<SnapshotEntry> snaps, int limit) {
        List<Deletion> out = new ArrayList<>();
        int from = Integer.MIN_VALUE;
        for (int k = 0; k <= snaps.size(); k++) {
            int to = k < snaps.size() ? snaps.get(k).index() : limit;
            addIndexes(out, g, from, to);
            if (k < snaps.size()) {
                SnapshotEntry s = snaps.get(k);
                out.add(new Deletion(g.id(), Kind.SNAPSHOT, s.index(), 0, s.object().size()));
                if (s.meta() != null || g.meta() != null) {
                    out.add(new Deletion(g.id(), Kind.SNAPSHOT_META, s.index(), 0, -1));
                }
                from = to;
            }
        }
        return out;
    }

    /** Segments with {@code from <= index < to}: indexes ascending, offsets descending within an index. */
    private static void addIndexes(List<Deletion> out, GenerationInfo g, int from, int to) {
        List<SegmentEntry> segs = g.segments().stream().filter(s -> s.index() >= from && s.index() < to)
                .sorted(Comparator.comparingInt(SegmentEntry::index)
                        .thenComparing(Comparator.comparingLong(SegmentEntry::offset).reversed()))
                .toList();
        for (SegmentEntry s : segs) {
            out.add(new Deletion(g.id(), Kind.SEGMENT, s.index(), s.offset(), s.object().size()));
            if (s.meta() != null || g.meta() != null) { // Litestream's own replicas have no metadata
                out.add(new Deletion(g.id(), Kind.SEGMENT_META, s.index(), s.offset(), -1));
            }
        }
    }

    /** When a snapshot was taken: its metadata's time, else (Litestream) the object's time. */
    static Instant time(SnapshotEntry s) {
        return s.meta() != null ? s.meta().time() : s.object().modified();
    }

    // ------------------------------------------------------------------ apply

    public record Failure(String key, String message) {
        @Override
        public String toString() {
            return key + ": " + message;
        }
    }

    /** What was deleted, and what could not be. */
    public record Result(int generationsDeleted, int snapshotsDeleted, int segmentsDeleted, int metadataDeleted,
                         long bytesDeleted, List<Failure> failures) {
        public boolean ok() {
            return failures.isEmpty();
        }

        @Override
        public String toString() {
            return "deleted " + generationsDeleted + " generation(s), " + snapshotsDeleted + " snapshot(s), "
                    + segmentsDeleted + " segment(s), " + metadataDeleted + " metadata object(s), " + bytesDeleted
                    + " bytes" + (failures.isEmpty() ? "" : "; " + failures.size() + " failed: " + failures);
        }
    }

    private static final class Tally {
        int gens;
        int snaps;
        int segs;
        int metas;
        long bytes;
        final List<Failure> failures = new ArrayList<>();

        Result result() {
            return new Result(gens, snaps, segs, metas, bytes, List.copyOf(failures));
        }
    }

    /**
     * Deletes what {@code plan} lists. Never throws for a failed deletion: it is reported, that
     * generation's remaining work is left for the next run, and the other generations proceed.
     */
    public Result apply(ReplicaClient client, ReplicaLayout layout, Plan plan) {
        Tally t = new Tally();
        for (Action a : plan.actions()) {
            if (a.drop()) {
                applyDrop(client, layout, a, t);
            } else {
                run(client, layout, a.deletions(), t);
            }
        }
        Result r = t.result();
        if (!plan.isEmpty()) {
            LOG.log(r.ok() ? Level.INFO : Level.WARNING, "{0}: {1}", client.describe(), r);
        }
        return r;
    }

    /** Reads the replica, plans and applies in one go. */
    public Result enforce(ReplicaClient client, ReplicaLayout layout, Instant now, Set<String> keep)
            throws IOException {
        ReplicaCatalog catalog = new ReplicaCatalog(client, layout);
        List<GenerationInfo> gens = catalog.generations();
        for (String p : catalog.problems()) {
            LOG.log(Level.WARNING, "retention: {0}", p);
        }
        return apply(client, layout, plan(gens, now, keep));
    }

    /** Runs deletions in order; returns false when a data deletion failed (the rest was not attempted). */
    private static boolean run(ReplicaClient client, ReplicaLayout layout, List<Deletion> ds, Tally t) {
        for (Deletion d : ds) {
            String key = d.key(layout);
            try {
                client.delete(key);
            } catch (IOException | RuntimeException e) {
                t.failures.add(new Failure(key, e.getMessage() == null ? e.toString() : e.getMessage()));
                if (d.data()) {
                    return false;
                }
                continue;
            }
            switch (d.kind()) {
                case SNAPSHOT -> t.snaps++;
                case SEGMENT -> t.segs++;
                default -> t.metas++;
            }
            if (d.data()) {
                t.bytes += d.size();
            }
        }
        return true;
    }

    private static void applyDrop(ReplicaClient client, ReplicaLayout layout, Action a, Tally t) {
        List<Deletion> ds = a.deletions();
        List<Deletion> head = ds.isEmpty() ? ds : ds.subList(0, ds.size() - 1);
        List<Deletion> last = ds.isEmpty() ? ds : ds.subList(ds.size() - 1, ds.size());
        if (!run(client, layout, head, t)) {
            return;
        }
        // Every metadata object left (generation.json last), then the final data object, then strays.
        String metaPrefix = layout.metaPrefix() + "generations/" + a.generation() + "/";
        String genMeta = layout.generationMetaKey(a.generation());
        if (!sweep(client, metaPrefix, genMeta, false, t)) {
            return;
        }
        if (!run(client, layout, last, t)) {
            return;
        }
        if (sweep(client, layout.generationPrefix(a.generation()), null, true, t)) {
            t.gens++;
        }
    }

    /** Deletes every object under {@code prefix}, {@code lastKey} last; false if any failed. */
    private static boolean sweep(ReplicaClient client, String prefix, String lastKey, boolean data, Tally t) {
        List<ObjectInfo> objs;
        try {
            objs = listRetrying(client, prefix);
        } catch (IOException | RuntimeException e) {
            t.failures.add(new Failure(prefix, "cannot list: " + e.getMessage()));
            return false;
        }
        List<ObjectInfo> order = new ArrayList<>(objs);
        order.sort(Comparator.comparing((ObjectInfo o) -> o.key().equals(lastKey)).thenComparing(ObjectInfo::key));
        boolean ok = true;
        for (ObjectInfo o : order) {
            try {
                client.delete(o.key());
                if (data) {
                    t.bytes += o.size();
                } else {
                    t.metas++;
                }
            } catch (IOException | RuntimeException e) {
                t.failures.add(new Failure(o.key(), e.getMessage() == null ? e.toString() : e.getMessage()));
                ok = false;
            }
        }
        return ok;
    }

    /** A directory listing fails when an object vanishes while it is walked: list again. */
    private static List<ObjectInfo> listRetrying(ReplicaClient client, String prefix) throws IOException {
        for (int attempt = 0; ; attempt++) {
            try {
                return client.list(prefix);
            } catch (java.nio.file.NoSuchFileException e) {
                if (attempt >= 10) {
                    throw e;
                }
            }
        }
    }

    // ------------------------------------------------------------------ snapshots

    /**
     * The same decision from what a replicator knows without reading the replica: when its newest
     * snapshot was taken and at which txid, and the txid it has shipped since.
     */
    public static boolean snapshotDue(Instant snapshotTime, long snapshotTxid, long shippedTxid, Instant now,
                                      Duration interval) {
        if (interval == null || interval.isZero() || interval.isNegative()) {
            return false;
        }
        return Duration.between(snapshotTime, now).compareTo(interval) >= 0 && shippedTxid > snapshotTxid;
    }

    /**
     * Whether the replicator should take a new snapshot of the current generation now: its newest
     * snapshot is at least {@code interval} old and commits have been shipped since (a snapshot of
     * an unchanged database shortens nothing). True for a generation without a snapshot; false
     * when there is no generation (starting one takes a snapshot anyway) or the interval is zero.
     */
    public static boolean snapshotDue(GenerationInfo current, Instant now, Duration interval) {
        if (current == null || interval == null || interval.isZero() || interval.isNegative()) {
            return false;
        }
        SnapshotEntry newest = null;
        for (SnapshotEntry s : current.snapshots()) {
            if (newest == null || time(s).isAfter(time(newest))) {
                newest = s;
            }
        }
        if (newest == null) {
            return true;
        }
        if (newest.meta() != null && current.hasLifelineMeta()) {
            return snapshotDue(newest.meta().time(), newest.meta().txid(), current.lastTxid(), now, interval);
        }
        if (Duration.between(time(newest), now).compareTo(interval) < 0) {
            return false;
        }
        // Litestream's objects: anything shipped after the snapshot?
        SegmentEntry last = current.lastSegment();
        return last != null && (last.index() > newest.index() || last.object().modified().isAfter(time(newest)));
    }
}
