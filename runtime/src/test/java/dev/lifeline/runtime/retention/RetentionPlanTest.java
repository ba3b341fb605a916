package dev.lifeline.runtime.retention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lifeline.runtime.catalog.GenerationInfo;
import dev.lifeline.runtime.catalog.SegmentEntry;
import dev.lifeline.runtime.catalog.SnapshotEntry;
import dev.lifeline.runtime.retention.Retention.Action;
import dev.lifeline.runtime.retention.Retention.Deletion;
import dev.lifeline.runtime.retention.Retention.Kind;
import dev.lifeline.runtime.retention.Retention.Plan;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class RetentionPlanTest {

    private static final Instant NOW = Instant.parse("2025-06-10T12:00:00Z");
    private static final Retention DAY = new Retention(RetentionPolicy.defaults());

    private static Instant ago(long hours) {
        return NOW.minus(Duration.ofHours(hours));
    }

    private static List<String> keys(Action a) {
        return a.deletions().stream().map(Deletion::toString).toList();
    }

    @Test
    void policyRejectsNonsense() {
        assertThrows(IllegalArgumentException.class, () -> new RetentionPolicy(Duration.ofHours(-1), 1));
        assertThrows(IllegalArgumentException.class, () -> new RetentionPolicy(Duration.ofHours(1), 0));
        assertEquals(Duration.ofHours(24), RetentionPolicy.defaults().window());
    }

    @Test
    void anEmptyReplicaHasNothingToDelete() {
        Plan p = DAY.plan(List.of(), NOW);
        assertTrue(p.isEmpty());
        assertEquals(ago(24), p.cutoff());
    }

    @Test
    void theOnlySnapshotIsKeptHoweverOld() {
        GenerationInfo g = Synthetic.gen("a1").snapshot(0, 0, ago(24 * 30)).index(0, 3, ago(24 * 30))
                .index(1, 2, ago(24 * 29)).index(2, 2, ago(24 * 28)).info();
        Plan p = DAY.plan(List.of(g), NOW);
        assertTrue(p.isEmpty(), p.toString());
    }

    @Test
    void withoutASnapshotBeforeTheCutoffEverythingIsKept() {
        GenerationInfo g = Synthetic.gen("a1").snapshot(0, 0, ago(5)).index(0, 2, ago(5))
                .index(1, 2, ago(3)).snapshot(2, 0, ago(2)).index(2, 2, ago(1)).info();
        Plan p = DAY.plan(List.of(g), NOW);
        assertTrue(p.isEmpty(), p.toString());
        assertTrue(p.kept().get(0).contains("no snapshot before"), p.kept().toString());
    }

    @Test
    void theCurrentGenerationIsCutBeforeItsBaseSnapshotWholeIndexesOnly() {
        GenerationInfo g = Synthetic.gen("a1")
                .snapshot(0, 0, ago(48)).index(0, 2, ago(47)).index(1, 3, ago(40)).index(2, 2, ago(31))
                .index(3, 1, ago(30)).snapshot(3, 4184, ago(30)).index(3, 2, ago(29)).index(4, 2, ago(20))
                .index(5, 2, ago(5)).snapshot(6, 0, ago(2)).index(6, 2, ago(1))
                .info();
        Plan p = DAY.plan(List.of(g), NOW);
        assertEquals(1, p.actions().size());
        Action a = p.actions().get(0);
        assertFalse(a.drop());
        assertEquals(3, a.baseIndex(), "newest snapshot at or before the cutoff, though mid-index");
        // Oldest first: the snapshot before the WAL only it replays; offsets downwards in an index.
        String gid = g.id();
        assertEquals(List.of(
                "SNAPSHOT " + gid + "/00000000", "SNAPSHOT_META " + gid + "/00000000",
                "SEGMENT " + gid + "/00000000_00001038", "SEGMENT_META " + gid + "/00000000_00001038",
                "SEGMENT " + gid + "/00000000_00000000", "SEGMENT_META " + gid + "/00000000_00000000",
                "SEGMENT " + gid + "/00000001_00002070", "SEGMENT_META " + gid + "/00000001_00002070",
                "SEGMENT " + gid + "/00000001_00001038", "SEGMENT_META " + gid + "/00000001_00001038",
                "SEGMENT " + gid + "/00000001_00000000", "SEGMENT_META " + gid + "/00000001_00000000",
                "SEGMENT " + gid + "/00000002_00001038", "SEGMENT_META " + gid + "/00000002_00001038",
                "SEGMENT " + gid + "/00000002_00000000", "SEGMENT_META " + gid + "/00000002_00000000"),
                keys(a));
        assertEquals(1, a.snapshots());
        assertEquals(7, a.segments());
        assertEquals(10_000 + 1_000 + 1_001 + 1_000 + 1_001 + 1_002 + 1_000 + 1_001, a.bytes());
        assertTrue(p.summary().contains("1 snapshot(s), 7 WAL segment(s)"), p.summary());
    }

    @Test
    void minSnapshotsMovesTheBaseBack() {
        Synthetic s = Synthetic.gen("a1")
                .snapshot(0, 0, ago(72)).index(0, 2, ago(70)).snapshot(1, 0, ago(60)).index(1, 2, ago(50))
                .snapshot(2, 0, ago(40)).index(2, 2, ago(30)).snapshot(3, 0, ago(2)).index(3, 1, ago(1));
        GenerationInfo g = s.info();
        Retention hour = new Retention(new RetentionPolicy(Duration.ofHours(1), 1));
        assertEquals(3, hour.plan(List.of(g), NOW).actions().get(0).baseIndex());
        Retention hourKeep3 = new Retention(new RetentionPolicy(Duration.ofHours(1), 3));
        Action a = hourKeep3.plan(List.of(g), NOW).actions().get(0);
        assertEquals(1, a.baseIndex());
        assertEquals(1, a.snapshots());
        Retention keepAll = new Retention(new RetentionPolicy(Duration.ofHours(1), 4));
        assertTrue(keepAll.plan(List.of(g), NOW).isEmpty());
    }

    @Test
    void anOlderGenerationGoesWhenANewerOneRestoresTheWholeWindow() {
        GenerationInfo old = Synthetic.gen("01").snapshot(0, 0, ago(80)).index(0, 3, ago(79)).index(1, 2, ago(60))
                .snapshot(2, 0, ago(55)).index(2, 2, ago(50)).info();
        GenerationInfo cur = Synthetic.gen("02").snapshot(0, 0, ago(30)).index(0, 3, ago(29)).index(1, 2, ago(1))
                .info();
        Plan p = DAY.plan(List.of(old, cur), NOW);
        assertEquals(1, p.actions().size(), p.toString());
        Action a = p.actions().get(0);
        assertTrue(a.drop());
        assertEquals(old.id(), a.generation());
        assertEquals(2, a.snapshots());
        assertEquals(7, a.segments());
        assertTrue(a.deletions().get(a.deletions().size() - 1).data(), "a data object goes last: " + keys(a));
        assertTrue(a.reason().contains(cur.id()), a.reason());
    }

    @Test
    void anOlderGenerationStaysWhileTheNewerOneStartedInsideTheWindow() {
        // The window's start lies between the old generation's last commit and the new one's
        // first snapshot: only the old generation restores it.
        GenerationInfo old = Synthetic.gen("01").snapshot(0, 0, ago(80)).index(0, 3, ago(79)).index(1, 2, ago(30))
                .info();
        GenerationInfo cur = Synthetic.gen("02").snapshot(0, 0, ago(10)).index(0, 3, ago(9)).info();
        Plan p = DAY.plan(List.of(old, cur), NOW);
        assertTrue(p.isEmpty(), p.toString());
        assertTrue(p.kept().get(0).contains("no newer generation restores"), p.kept().toString());
        // A day later the new generation covers the window: the old one goes.
        Plan later = DAY.plan(List.of(old, cur), NOW.plus(Duration.ofHours(15)));
        assertEquals(1, later.actions().size());
        assertTrue(later.actions().get(0).drop());
    }

    @Test
    void anOlderGenerationWithCommitsInTheWindowStays() {
        GenerationInfo old = Synthetic.gen("01").snapshot(0, 0, ago(80)).index(0, 3, ago(79)).index(1, 2, ago(20))
                .info();
        GenerationInfo cur = Synthetic.gen("02").snapshot(0, 0, ago(30)).index(0, 3, ago(2)).info();
        Plan p = DAY.plan(List.of(old, cur), NOW);
        assertTrue(p.actions().stream().noneMatch(Action::drop), p.toString());
    }

    @Test
    void theGenerationHoldingTheNewestSnapshotIsNeverDeleted() {
        // Window zero: only "now" must be restorable. The newest snapshot belongs to a generation
        // whose data is older than the current one's (a clock jump, or two writers).
        Retention none = new Retention(RetentionPolicy.of(Duration.ZERO));
        GenerationInfo a = Synthetic.gen("0a").snapshot(0, 0, ago(1)).index(0, 1, ago(1)).info();
        GenerationInfo b = Synthetic.gen("0b").snapshot(0, 0, ago(5)).index(0, 1, NOW).info();
        Plan p = none.plan(List.of(a, b), NOW);
        assertTrue(p.isEmpty(), p.toString());
    }

    @Test
    void generationsTheCallerNamesAreKept() {
        GenerationInfo old = Synthetic.gen("01").snapshot(0, 0, ago(80)).index(0, 3, ago(79)).info();
        GenerationInfo cur = Synthetic.gen("02").snapshot(0, 0, ago(30)).index(0, 3, ago(1)).info();
        assertFalse(DAY.plan(List.of(old, cur), NOW).isEmpty());
        assertTrue(DAY.plan(List.of(old, cur), NOW, Set.of(old.id())).isEmpty());
    }

    @Test
    void anOldGenerationWithoutSnapshotsGoes() {
        GenerationInfo broken = Synthetic.gen("01").index(0, 2, ago(100)).info();
        GenerationInfo cur = Synthetic.gen("02").snapshot(0, 0, ago(30)).index(0, 3, ago(1)).info();
        Plan p = DAY.plan(List.of(broken, cur), NOW);
        assertEquals(1, p.actions().size());
        assertEquals(broken.id(), p.actions().get(0).generation());
        assertEquals(2, p.actions().get(0).segments());
    }

    @Test
    void litestreamReplicasUseObjectTimesAndHaveNoMetadataToDelete() {
        GenerationInfo g = Synthetic.litestream("a1").snapshot(0, 0, ago(50)).index(0, 2, ago(49))
                .snapshot(1, 0, ago(30)).index(1, 2, ago(20)).snapshot(2, 0, ago(3)).index(2, 1, ago(1)).info();
        Plan p = DAY.plan(List.of(g), NOW);
        Action a = p.actions().get(0);
        assertEquals(1, a.baseIndex());
        assertTrue(a.deletions().stream().allMatch(Deletion::data), keys(a).toString());
        assertEquals(3, a.deletions().size());
    }

    @Test
    void snapshotDue() {
        Duration hour = Duration.ofHours(1);
        GenerationInfo fresh = Synthetic.gen("a1").snapshot(0, 0, ago(0)).index(0, 2, NOW).info();
        assertFalse(Retention.snapshotDue(fresh, NOW, hour));
        GenerationInfo stale = Synthetic.gen("a1").snapshot(0, 0, ago(2)).index(0, 2, ago(1)).info();
        assertTrue(Retention.snapshotDue(stale, NOW, hour));
        assertFalse(Retention.snapshotDue(stale, NOW, Duration.ZERO), "zero interval: disabled");
        assertFalse(Retention.snapshotDue(null, NOW, hour));
        GenerationInfo idle = Synthetic.gen("a1").index(0, 2, ago(3)).snapshot(1, 0, ago(2)).info();
        assertFalse(Retention.snapshotDue(idle, NOW, hour), "nothing committed since the snapshot");
        GenerationInfo none = Synthetic.gen("a1").index(0, 2, ago(3)).info();
        assertTrue(Retention.snapshotDue(none, NOW, hour));
        GenerationInfo ls = Synthetic.litestream("a1").snapshot(0, 0, ago(2)).index(0, 2, ago(1)).info();
        assertTrue(Retention.snapshotDue(ls, NOW, hour));
        GenerationInfo lsIdle = Synthetic.litestream("a1").index(0, 2, ago(3)).snapshot(1, 0, ago(2)).info();
        assertFalse(Retention.snapshotDue(lsIdle, NOW, hour));
        // From what the replicator knows in memory.
        assertTrue(Retention.snapshotDue(ago(1), 10, 11, NOW, hour));
        assertFalse(Retention.snapshotDue(ago(1), 10, 10, NOW, hour), "no commit since");
        assertFalse(Retention.snapshotDue(NOW.minusSeconds(3599), 10, 11, NOW, hour), "not old enough");
    }

    /**
     * Random replicas: after any prefix of the planned deletions (a crash, or a failure that stops
     * a generation's work), every snapshot left has its whole WAL chain, every index left starts at
     * offset 0, and once the plan completes every point of the window is restorable.
     */
    @Test
    void randomReplicasKeepEveryInvariantAfterEveryDeletion() {
        Random rnd = new Random(20250610);
        int checkedPlans = 0;
        for (int round = 0; round < 400; round++) {
            List<GenerationInfo> gens = randomReplica(rnd);
            RetentionPolicy policy = new RetentionPolicy(Duration.ofHours(1 + rnd.nextInt(60)), 1 + rnd.nextInt(3));
            Retention r = new Retention(policy);
            Plan p = r.plan(gens, NOW);
            checkedPlans += p.isEmpty() ? 0 : 1;
            checkPlan(gens, policy, p);
        }
        assertTrue(checkedPlans > 100, "most random replicas have something to delete: " + checkedPlans);
    }

    private static List<GenerationInfo> randomReplica(Random rnd) {
        List<GenerationInfo> out = new ArrayList<>();
        int gens = 1 + rnd.nextInt(4);
        long hoursAgo = 150;
        for (int g = 0; g < gens; g++) {
            Synthetic s = Synthetic.gen(String.format("%02x", g + 1));
            hoursAgo -= rnd.nextInt(20);
            s.snapshot(0, 0, ago(hoursAgo));
            int indexes = 1 + rnd.nextInt(8);
            for (int i = 0; i < indexes; i++) {
                if (i > 0 && rnd.nextInt(3) == 0) {
                    s.snapshot(i, rnd.nextBoolean() ? 0 : 4184, ago(hoursAgo));
                }
                hoursAgo = Math.max(0, hoursAgo - rnd.nextInt(12));
                s.index(i, 1 + rnd.nextInt(3), ago(hoursAgo));
            }
            out.add(s.info());
        }
        return out;
    }

    private static Instant time(SnapshotEntry s) {
        return Retention.time(s);
    }

    private static void checkPlan(List<GenerationInfo> gens, RetentionPolicy policy, Plan p) {
        Instant cutoff = NOW.minus(policy.window());
        Map<String, GenerationInfo> byId = new HashMap<>();
        gens.forEach(g -> byId.put(g.id(), g));
        GenerationInfo current = gens.stream().max(Comparator.comparing(GenerationInfo::updated)).orElseThrow();
        List<SnapshotEntry> allSnaps = new ArrayList<>();
        gens.forEach(g -> allSnaps.addAll(g.snapshots()));
        allSnaps.sort(Comparator.comparing(RetentionPlanTest::time).reversed());
        Set<String> deleted = new HashSet<>();
        for (Action a : p.actions()) {
            GenerationInfo g = byId.get(a.generation());
            assertTrue(!a.drop() || !a.generation().equals(current.id()), "the current generation is never dropped");
            Set<String> gone = new HashSet<>();
            // After every prefix of the deletions the generation is consistent. (A dropped
            // generation's final data object goes last of all, after its metadata.)
            List<Deletion> ds = a.deletions();
            int checked = a.drop() ? ds.size() - 1 : ds.size();
            checkConsistent(g, gone, p);
            for (int i = 0; i < ds.size(); i++) {
                gone.add(ds.get(i).toString());
                deleted.add(ds.get(i).toString());
                if (i < checked) {
                    checkConsistent(g, gone, p);
                }
            }
            if (a.drop()) {
                assertTrue(ds.get(ds.size() - 1).data());
                assertEquals(g.snapshots().size() + g.segments().size(), a.snapshots() + a.segments(),
                        "a dropped generation loses every object");
            }
            if (!a.drop()) {
                for (Deletion d : a.deletions()) {
                    assertTrue(d.index() < a.baseIndex(), "nothing at or after the base index goes: " + d);
                }
            }
        }
        // The newest minSnapshots snapshots survive (as times: equal times may be either one).
        List<SnapshotEntry> keptSnaps = allSnaps.stream()
                .filter(s -> !deleted.contains(String.format("SNAPSHOT %s/%08x", s.generation(), s.index()))).toList();
        for (int i = 0; i < Math.min(policy.minSnapshots(), allSnaps.size()); i++) {
            assertTrue(i < keptSnaps.size() && time(keptSnaps.get(i)).equals(time(allSnaps.get(i))),
                    "one of the newest " + policy.minSnapshots() + " snapshots was deleted: " + p);
        }
        // The window stays restorable: if a snapshot at or before the cutoff existed in a
        // generation that is kept, one still exists there, and so does every later snapshot's chain.
        boolean anyBeforeCutoff = allSnaps.stream().anyMatch(s -> time(s).isBefore(cutoff));
        if (anyBeforeCutoff) {
            boolean stillCovered = false;
            for (GenerationInfo g : gens) {
                for (SnapshotEntry s : g.snapshots()) {
                    if (time(s).isBefore(cutoff)
                            && !deleted.contains(String.format("SNAPSHOT %s/%08x", s.generation(), s.index()))) {
                        stillCovered = true;
                    }
                }
            }
            assertTrue(stillCovered, "the window's start is still restorable: " + p);
        }
        // Every generation with commits in the window is kept, with every snapshot from the cutoff on.
        for (GenerationInfo g : gens) {
            if (!g.updated().isBefore(cutoff)) {
                for (SnapshotEntry s : g.snapshots()) {
                    if (!time(s).isBefore(cutoff)) {
                        assertFalse(deleted.contains(String.format("SNAPSHOT %s/%08x", g.id(), s.index())));
                    }
                }
            }
        }
    }

    /** Every remaining snapshot's chain is complete; every remaining index starts at offset 0. */
    private static void checkConsistent(GenerationInfo g, Set<String> gone, Plan p) {
        Map<Integer, List<SegmentEntry>> left = new TreeMap<>();
        for (SegmentEntry s : g.segments()) {
            boolean dataGone = gone.contains(String.format("SEGMENT %s/%08x_%08x", g.id(), s.index(), s.offset()));
            boolean metaGone = gone.contains(String.format("SEGMENT_META %s/%08x_%08x", g.id(), s.index(), s.offset()));
            assertFalse(metaGone && !dataGone, "metadata never goes before its data: " + s.name());
            if (!dataGone) {
                left.computeIfAbsent(s.index(), k -> new ArrayList<>()).add(s);
            }
        }
        for (Map.Entry<Integer, List<SegmentEntry>> e : left.entrySet()) {
            List<SegmentEntry> all = g.segments().stream().filter(s -> s.index() == e.getKey()).toList();
            assertEquals(all.subList(0, e.getValue().size()), e.getValue(),
                    "what is left of index " + e.getKey() + " starts at offset 0 (" + p.summary() + ")");
        }
        for (SnapshotEntry s : g.snapshots()) {
            if (gone.contains(String.format("SNAPSHOT %s/%08x", g.id(), s.index()))) {
                continue;
            }
            for (SegmentEntry seg : g.segments()) {
                if (seg.index() >= s.index()) {
                    assertFalse(gone.contains(String.format("SEGMENT %s/%08x_%08x", g.id(), seg.index(), seg.offset())),
                            "snapshot " + s.index() + " lost segment " + seg.name() + " of its chain");
                }
            }
        }
    }
}
