package dev.lifeline.runtime.replicate;

import dev.lifeline.runtime.wal.WalCommit;
import dev.lifeline.runtime.wal.WalHeader;
import dev.lifeline.runtime.wal.WalScan;
import java.nio.file.Path;

/**
 * A consistent image of the database taken at a generation's start: the database file with the
 * WAL's committed frames applied, so it is exactly the state after the last commit in
 * {@code scan}. {@code header} is null when the WAL had no valid header.
 */
record SnapshotImage(Path file, int pageSize, int dbPages, WalHeader header, WalScan scan, byte[] walFrames) {

    WalCommit lastCommit() {
        return scan == null || scan.commits().isEmpty() ? null : scan.commits().get(scan.commits().size() - 1);
    }
}
