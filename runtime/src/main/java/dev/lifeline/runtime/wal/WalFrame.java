package dev.lifeline.runtime.wal;

/**
 * One verified WAL frame: its position in the WAL, the page it carries and, for the last frame of
 * a transaction, the database size in pages after that commit.
 */
public record WalFrame(long offset, int pageNumber, int commitDbSize, WalChecksum checksum) {

    public static final int HEADER_SIZE = 24;

    public boolean isCommit() {
        return commitDbSize != 0;
    }
}
