package dev.lifeline.runtime.catalog;

import dev.lifeline.runtime.format.SegmentMeta;
import dev.lifeline.runtime.replica.ObjectInfo;

/** A WAL segment object, with Lifeline's metadata when the replica has it (null for Litestream's). */
public record SegmentEntry(String generation, int index, long offset, ObjectInfo object, SegmentMeta meta) {

    public String name() {
        return String.format("%s/%08x_%08x", generation, index, offset);
    }
}
