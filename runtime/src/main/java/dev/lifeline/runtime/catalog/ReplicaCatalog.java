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
        synchronized (problems) {
            return List.copyOf(problems);
        }
    }

    /** All generations, oldest data first. */
    public List<GenerationInfo> generations() throws IOException {
        Map<String, ObjectInfo> metas = new HashMap<>();
        for (ObjectInfo o : client.list(layout.metaPrefix())) {
            metas.put(o.key(), o);
        }
        List<ReplicaLayout.Parsed> parsed = new ArrayList<>();
        List<ObjectInfo> objects = new ArrayList<>();
        for (ObjectInfo o : client.list(layout.generationsPrefix())) {
            Optional<ReplicaLayout.Parsed> p = layout.parse(o.key());
            if (p.isPresent()) {
                parsed.add(p.get());
                objects.add(o);
            }
        }
        // Metadata objects are small and many: read them in parallel (an object store answers
        // each request in milliseconds, and JSON parsing keeps a core busy).
        Map<String, Object> loaded = loadAll(parsed, metas);
        Map<String, List<SnapshotEntry>> snaps = new TreeMap<>();
        Map<String, List<SegmentEntry>> segs = new TreeMap<>();
        for (int i = 0; i < parsed.size(); i++) {
            ObjectInfo o = objects.get(i);
            if (parsed.get(i) instanceof ReplicaLayout.Parsed.Snapshot s) {
                SnapshotMeta meta = (SnapshotMeta) loaded.get(layout.snapshotMetaKey(s.generation(), s.index()));
                snaps.computeIfAbsent(s.generation(), g -> new ArrayList<>())
                        .add(new SnapshotEntry(s.generation(), s.index(), o, meta));
            } else if (parsed.get(i) instanceof ReplicaLayout.Parsed.Segment s) {
                SegmentMeta meta = (SegmentMeta) loaded.get(layout.segmentMetaKey(s.generation(), s.index(), s.offset()));
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

    private Map<String, Object> loadAll(List<ReplicaLayout.Parsed> parsed, Map<String, ObjectInfo> metas)
            throws IOException {
        Map<String, Class<?>> wanted = new java.util.LinkedHashMap<>();
        for (ReplicaLayout.Parsed p : parsed) {
            if (p instanceof ReplicaLayout.Parsed.Snapshot s) {
                wanted.put(layout.snapshotMetaKey(s.generation(), s.index()), SnapshotMeta.class);
            } else if (p instanceof ReplicaLayout.Parsed.Segment s) {
                wanted.put(layout.segmentMetaKey(s.generation(), s.index(), s.offset()), SegmentMeta.class);
            }
        }
        wanted.keySet().retainAll(metas.keySet());
        Map<String, Object> out = new java.util.concurrent.ConcurrentHashMap<>();
        if (wanted.size() < 8) {
            wanted.forEach((k, t) -> put(out, k, readMeta(k, t)));
            return out;
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "lifeline-catalog");
            t.setDaemon(true);
            return t;
        });
        try {
            List<java.util.concurrent.Future<?>> fs = new ArrayList<>();
            wanted.forEach((k, t) -> fs.add(pool.submit(() -> put(out, k, readMeta(k, t)))));
            for (java.util.concurrent.Future<?> f : fs) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while reading replica metadata", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException("reading replica metadata failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
        return out;
    }

    private static void put(Map<String, Object> out, String key, Object value) {
        if (value != null) {
            out.put(key, value);
        }
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
            synchronized (problems) {
                problems.add("metadata " + key + " is unreadable: " + e.getMessage());
            }
            return null;
        }
    }
}
