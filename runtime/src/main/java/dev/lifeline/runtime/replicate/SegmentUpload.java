package dev.lifeline.runtime.replicate;

import dev.lifeline.runtime.format.SegmentMeta;
import dev.lifeline.runtime.wal.WalPosition;

/**
 * A segment ready to store, kept until both its objects are in the replica: a retry after a
 * failure stores exactly the same bytes, so write-once keys accept it.
 */
record SegmentUpload(String dataKey, byte[] compressed, String metaKey, byte[] metaJson, SegmentMeta meta,
                     WalPosition end, long rawBytes) {
}
