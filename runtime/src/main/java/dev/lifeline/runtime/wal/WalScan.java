package dev.lifeline.runtime.wal;

import java.util.List;

/**
 * What one pass of {@link WalReader} found: the whole transactions after a position (their bytes
 * were written to the caller's sink), where it ended, and why it stopped.
 */
public record WalScan(WalPosition start, WalPosition end, List<WalCommit> commits, WalFrameDecoder.Stop stop,
                      boolean moreAvailable) {

    public boolean isEmpty() {
        return commits.isEmpty();
    }

    public long bytes() {
        return end.offset() - start.offset();
    }
}
