package dev.lifeline.runtime.catalog;

import dev.lifeline.runtime.format.GenerationMeta;
import java.time.Instant;
import java.util.List;

/**
 * Everything a replica holds for one generation, ordered: snapshots by index, segments by
 * (index, offset).
 */
public record GenerationInfo(String id, GenerationMeta meta, List<SnapshotEntry> snapshots,
                             List<SegmentEntry> segments) {

    /** True when every object has Lifeline metadata, so txids and commit times are exact. */
    public boolean hasLifelineMeta() {
        return snapshots.stream().allMatch(s -> s.meta() != null) && segments.stream().allMatch(s -> s.meta() != null);
    }

    /** Time of the newest data: the last commit we know of, else the newest object. */
    public Instant updated() {
        Instant t = Instant.EPOCH;
        for (SegmentEntry s : segments) {
            Instant c = s.meta() != null ? s.meta().lastCommit().time() : s.object().modified();
            if (c.isAfter(t)) {
                t = c;
            }
        }
        for (SnapshotEntry s : snapshots) {
            Instant c = s.meta() != null ? s.meta().time() : s.object().modified();
            if (c.isAfter(t)) {
                t = c;
            }
        }
        return t;
    }

    public Instant created() {
        if (meta != null) {
            return meta.created();
        }
        return snapshots.stream().map(s -> s.object().modified()).min(Instant::compareTo).orElse(Instant.EPOCH);
    }

    public long lastTxid() {
        long t = 0;
        for (SegmentEntry s : segments) {
            if (s.meta() != null) {
                t = Math.max(t, s.meta().lastTxid());
            }
        }
        for (SnapshotEntry s : snapshots) {
            if (s.meta() != null) {
                t = Math.max(t, s.meta().txid());
            }
        }
        return t;
    }

    public SegmentEntry lastSegment() {
        return segments.isEmpty() ? null : segments.get(segments.size() - 1);
    }
}
