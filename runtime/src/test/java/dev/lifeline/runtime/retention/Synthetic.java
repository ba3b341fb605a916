package dev.lifeline.runtime.retention;

import dev.lifeline.runtime.catalog.GenerationInfo;
import dev.lifeline.runtime.catalog.SegmentEntry;
import dev.lifeline.runtime.catalog.SnapshotEntry;
import dev.lifeline.runtime.format.CommitRecord;
import dev.lifeline.runtime.format.GenerationMeta;
import dev.lifeline.runtime.format.ReplicaLayout;
import dev.lifeline.runtime.format.SegmentMeta;
import dev.lifeline.runtime.format.SnapshotMeta;
import dev.lifeline.runtime.replica.ObjectInfo;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Hand-built generations for planning tests: no replica behind them. */
final class Synthetic {

    static final ReplicaLayout LAYOUT = new ReplicaLayout("");

    final String id;
    final boolean lifeline;
    final List<SnapshotEntry> snapshots = new ArrayList<>();
    final List<SegmentEntry> segments = new ArrayList<>();
    private long txid;

    private Synthetic(String id, boolean lifeline) {
        this.id = id;
        this.lifeline = lifeline;
    }

    /** A generation with Lifeline metadata. */
    static Synthetic gen(String id) {
        return new Synthetic(pad(id), true);
    }

    /** A generation written by Litestream: no metadata, times are the objects' times. */
    static Synthetic litestream(String id) {
        return new Synthetic(pad(id), false);
    }

    private static String pad(String id) {
        return (id + "0000000000000000").substring(0, 16);
    }

    Synthetic snapshot(int index, long walOffset, Instant time) {
        ObjectInfo o = new ObjectInfo(LAYOUT.snapshotKey(id, index), 10_000 + index, time);
        SnapshotMeta m = lifeline ? new SnapshotMeta(1, id, index, walOffset, txid, time, 4096, 3, 12288, "00", 10_000,
                "chain") : null;
        snapshots.add(new SnapshotEntry(id, index, o, m));
        snapshots.sort(Comparator.comparingInt(SnapshotEntry::index));
        return this;
    }

    /** {@code count} segments of one index, one commit each, all at {@code time}. */
    Synthetic index(int index, int count, Instant time) {
        long offset = 0;
        for (int i = 0; i < count; i++) {
            long end = offset + 32 + 4120;
            ObjectInfo o = new ObjectInfo(LAYOUT.segmentKey(id, index, offset), 1_000 + i, time);
            txid++;
            SegmentMeta m = lifeline ? new SegmentMeta(1, id, index, offset, end, 4096, "0000000000000000", "0", "0", 1,
                    txid, txid, List.of(new CommitRecord(txid, end, 3, time)), "00", 1_000, "p", "c") : null;
            segments.add(new SegmentEntry(id, index, offset, o, m));
            offset = end;
        }
        segments.sort(Comparator.comparingInt(SegmentEntry::index).thenComparingLong(SegmentEntry::offset));
        return this;
    }

    GenerationInfo info() {
        Instant created = snapshots.isEmpty() ? Instant.EPOCH : Retention.time(snapshots.get(0));
        GenerationMeta gm = lifeline ? new GenerationMeta(1, id, created, "app.db", "host", 1, "test", "genesis") : null;
        return new GenerationInfo(id, gm, List.copyOf(snapshots), List.copyOf(segments));
    }
}
