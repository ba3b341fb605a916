package dev.lifeline.runtime.catalog;

import dev.lifeline.runtime.format.GenerationMeta;
import dev.lifeline.runtime.format.Json;
import dev.lifeline.runtime.format.ReplicaLayout;
import dev.lifeline.runtime.format.SegmentMeta;
import dev.lifeline.runtime.format.SnapshotMeta;
import dev.lifeline.runtime.replica.ObjectInfo;
import dev.lifeline.runtime.replica.ReplicaClient;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Reads what a replica holds: generations, their snapshots and segments, and Lifeline's
 * metadata for each. Unreadable metadata is reported, not hidden: {@link #problems()} lists it
 * and the object is treated as having none.
 */
public final class ReplicaCatalog {

    private final ReplicaClient client;
    private final ReplicaLayout layout;
    private final List<String> problems = new ArrayList<>();

    public ReplicaCatalog(ReplicaClient client, ReplicaLayout layout) {
        this.client = client;
        this.layout = layout;
    }

    public List<String> problems() {
        return List.copyOf(problems);
    }

    /** All generations, oldest data first. */
    public List<GenerationInfo> generations() throws IOException {
        Map<String, List<SnapshotEntry>> snaps = new TreeMap<>();
        Map<String, List<SegmentEntry>> segs = new TreeMap<>();
        Map<String, ObjectInfo> metas = new HashMap<>();
        for (ObjectInfo o : client.list(layout.metaPrefix())) {
            metas.put(o.key(), o);
        }
        for (ObjectInfo o : client.list(layout.generationsPrefix())) {
            Optional<ReplicaLayout.Parsed> p = layout.parse(o.key());
            if (p.isEmpty()) {
                continue;
            }
            if (p.get() instanceof ReplicaLayout.Parsed.Snapshot s) {
                String mk = layout.snapshotMetaKey(s.generation(), s.index());
                SnapshotMeta meta = metas.containsKey(mk) ? readMeta(mk, SnapshotMeta.class) : null;
                snaps.computeIfAbsent(s.generation(), g -> new ArrayList<>())
                        .add(new SnapshotEntry(s.generation(), s.index(), o, meta));
            } else if (p.get() instanceof ReplicaLayout.Parsed.Segment s) {
                String mk = layout.segmentMetaKey(s.generation(), s.index(), s.offset());
                SegmentMeta meta = metas.containsKey(mk) ? readMeta(mk, SegmentMeta.class) : null;
                segs.computeIfAbsent(s.generation(), g -> new ArrayList<>())
                        .add(new SegmentEntry(s.generation(), s.index(), s.offset(), o, meta));
            }
        }
        List<GenerationInfo> out = new ArrayList<>();
        java.util.Set<String> ids = new java.util.TreeSet<>(snaps.keySet());
        ids.addAll(segs.keySet());
        for (String id : ids) {
            List<SnapshotEntry> s = new ArrayList<>(snaps.getOrDefault(id, List.of()));
            List<SegmentEntry> w = new ArrayList<>(segs.getOrDefault(id, List.of()));
            s.sort(Comparator.comparingInt(SnapshotEntry::index));
            w.sort(Comparator.comparingInt(SegmentEntry::index).thenComparingLong(SegmentEntry::offset));
            String gk = layout.generationMetaKey(id);
            GenerationMeta gm = metas.containsKey(gk) ? readMeta(gk, GenerationMeta.class) : null;
            out.add(new GenerationInfo(id, gm, List.copyOf(s), List.copyOf(w)));
        }
        out.sort(Comparator.comparing(GenerationInfo::updated));
        return out;
    }

    /** The generation with the newest data, if any. */
    public Optional<GenerationInfo> latest() throws IOException {
        List<GenerationInfo> all = generations();
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    public Optional<GenerationInfo> generation(String id) throws IOException {
        return generations().stream().filter(g -> g.id().equals(id)).findFirst();
    }

    private <T> T readMeta(String key, Class<T> type) {
        try {
            return Json.read(client.getBytes(key), type);
        } catch (IOException | RuntimeException e) {
            problems.add("metadata " + key + " is unreadable: " + e.getMessage());
            return null;
        }
    }
}
