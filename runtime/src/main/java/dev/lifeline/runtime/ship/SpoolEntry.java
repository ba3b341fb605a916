package dev.lifeline.runtime.ship;

import java.util.List;

/**
 * A unit the replicator hands to every replica, in order: a segment (data and metadata) or a
 * generation start (metadata and snapshot). {@code txid} is the last commit it makes durable;
 * {@code segmentMetaKey} names the segment metadata object, null for a generation start.
 */
public record SpoolEntry(int format, long seq, String generation, long txid, String segmentMetaKey,
                         List<SpoolObject> objects) {
}
