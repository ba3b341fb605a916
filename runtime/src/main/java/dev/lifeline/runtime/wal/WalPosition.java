package dev.lifeline.runtime.wal;

/**
 * A point in one lifetime of a WAL: the offset of the next frame, and the running checksum that
 * frame must continue. Positions handed out by {@link WalReader} always sit on a commit boundary.
 */
public record WalPosition(WalHeader header, long offset, WalChecksum checksum) {

    /** The position before the first frame of the lifetime {@code header} starts. */
    public static WalPosition start(WalHeader header) {
        return new WalPosition(header, WalHeader.SIZE, header.checksum());
    }

    public boolean atStart() {
        return offset == WalHeader.SIZE;
    }

    public long frameCount() {
        return (offset - WalHeader.SIZE) / header.frameSize();
    }
}
