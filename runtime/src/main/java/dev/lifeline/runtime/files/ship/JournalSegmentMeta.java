package dev.lifeline.runtime.files.ship;

import java.time.Instant;

/**
 * Metadata of one journal segment ({@code <first>-<last>.json}, format 1). {@code sha256} hashes
 * the segment object as stored (the LZ4 frame, before any encryption the replica applies);
 * {@code prevSha256} is the previous segment's {@code sha256} in the lineage (empty for the
 * first), so a missing, reordered or swapped segment breaks the chain.
 */
public record JournalSegmentMeta(int format, String lineage, long firstIndex, long lastIndex, Instant firstTime,
                                 Instant lastTime, int records, long compressedSize, long size, String sha256,
                                 String prevSha256) {

    public static final int FORMAT = 1;
}
