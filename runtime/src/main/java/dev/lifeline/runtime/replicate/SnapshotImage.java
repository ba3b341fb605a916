package dev.lifeline.runtime.replicate;

import dev.lifeline.runtime.wal.WalCommit;
import dev.lifeline.runtime.wal.WalHeader;
import dev.lifeline.runtime.wal.WalScan;
import java.nio.file.Path;
import java.util.List;

/**
 * A consistent image of the database taken at a generation's start: the database file with the
 * WAL's committed frames applied, so it is exactly the state after the last commit of the last
 * chunk. The chunks are how those frames will be shipped as the first segments of index 0
 * (their content hashes are known now, so the snapshot's chain position is too).
 * {@code header} is null when the WAL had no valid header.
 */
record SnapshotImage(Path file, int pageSize, int dbPages, WalHeader header, List<Chunk> chunks) {

    /** One future segment: the transactions a scan found, and the SHA-256 of its raw bytes. */
    record Chunk(WalScan scan, String sha256) {
    }

    WalCommit lastCommit() {
        if (chunks.isEmpty()) {
            return null;
        }
        List<WalCommit> c = chunks.get(chunks.size() - 1).scan().commits();
        return c.get(c.size() - 1);
    }

    long commitCount() {
        return chunks.stream().mapToLong(c -> c.scan().commits().size()).sum();
    }
}
