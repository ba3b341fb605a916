package dev.lifeline.runtime.format;

import java.time.Instant;

/**
 * Lifeline's metadata for a snapshot: the database image as of WAL position
 * ({@code index}, {@code walOffset}), which is after commit {@code txid}. {@code chain} is the
 * segment chain value at that position, so the segments after it can be verified without the
 * ones before.
 */
public record SnapshotMeta(int format, String generation, int index, long walOffset, long txid, Instant time,
                           int pageSize, int dbPages, long size, String sha256, long compressedSize,
                           String chain) {
}
