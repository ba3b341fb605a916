package dev.lifeline.runtime.catalog;

import dev.lifeline.runtime.format.SnapshotMeta;
import dev.lifeline.runtime.replica.ObjectInfo;

/** A snapshot object, with Lifeline's metadata when the replica has it (null for Litestream's). */
public record SnapshotEntry(String generation, int index, ObjectInfo object, SnapshotMeta meta) {
}
