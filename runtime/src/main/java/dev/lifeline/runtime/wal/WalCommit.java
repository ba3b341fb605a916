package dev.lifeline.runtime.wal;

/** The end of one committed transaction found in the WAL. */
public record WalCommit(long endOffset, int dbSizePages, int frameCount, WalChecksum checksum) {
}
