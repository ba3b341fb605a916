package dev.lifeline.runtime.format;

import java.util.List;

/**
 * Lifeline's metadata for one WAL segment object. {@code prevChain} is the {@code chain} of the
 * segment before it in the generation (or the generation's genesis value), and {@code chain}
 * hashes it together with this segment's identity and content hash: a missing, reordered or
 * swapped object breaks the chain.
 */
public record SegmentMeta(int format, String generation, int index, long offset, long endOffset, int pageSize,
                          String salts, String startChecksum, String endChecksum, int frames,
                          long firstTxid, long lastTxid, List<CommitRecord> commits,
                          String sha256, long compressedSize, String prevChain, String chain) {

    public CommitRecord lastCommit() {
        return commits.get(commits.size() - 1);
    }
}
