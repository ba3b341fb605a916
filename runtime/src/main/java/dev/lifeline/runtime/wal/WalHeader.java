package dev.lifeline.runtime.wal;

import java.util.Optional;

/**
 * The 32-byte header at the start of a SQLite WAL file. Salts identify one lifetime of the WAL:
 * SQLite picks new salts every time it restarts the log, and every valid frame repeats them.
 */
public record WalHeader(int magic, int formatVersion, int pageSize, int checkpointSeq,
                        int salt1, int salt2, WalChecksum checksum) {

    public static final int SIZE = 32;
    public static final int MAGIC_LE = 0x377f0682;
    public static final int MAGIC_BE = 0x377f0683;
    public static final int FORMAT_VERSION = 3007000;

    /** True when checksums read 32-bit words big-endian (magic 0x377f0683). */
    public boolean bigEndianChecksum() {
        return (magic & 1) == 1;
    }

    public int frameSize() {
        return WalFrame.HEADER_SIZE + pageSize;
    }

    /** Whether a frame at {@code offset} sits on a frame boundary of this WAL. */
    public boolean isFrameBoundary(long offset) {
        return offset >= SIZE && (offset - SIZE) % frameSize() == 0;
    }

    public long frameOffset(long frameNumber) {
        return SIZE + (frameNumber - 1) * frameSize();
    }

    public boolean sameLifetime(WalHeader other) {
        return other != null && salt1 == other.salt1 && salt2 == other.salt2 && pageSize == other.pageSize
                && magic == other.magic;
    }

    /**
     * Parses and verifies a header. Returns empty when the bytes are not a valid, self-consistent
     * WAL header (wrong magic, version, page size or checksum): SQLite treats such a WAL as empty.
     */
    public static Optional<WalHeader> parse(byte[] b, int off) {
        if (b.length - off < SIZE) {
            return Optional.empty();
        }
        int magic = WalChecksum.be(b, off);
        if (magic != MAGIC_LE && magic != MAGIC_BE) {
            return Optional.empty();
        }
        int version = WalChecksum.be(b, off + 4);
        int pageSize = WalChecksum.be(b, off + 8);
        if (version != FORMAT_VERSION || !validPageSize(pageSize)) {
            return Optional.empty();
        }
        WalChecksum stored = new WalChecksum(WalChecksum.be(b, off + 24), WalChecksum.be(b, off + 28));
        WalChecksum computed = WalChecksum.ZERO.update((magic & 1) == 1, b, off, 24);
        if (!stored.equals(computed)) {
            return Optional.empty();
        }
        return Optional.of(new WalHeader(magic, version, pageSize, WalChecksum.be(b, off + 12),
                WalChecksum.be(b, off + 16), WalChecksum.be(b, off + 20), stored));
    }

    public static boolean validPageSize(int pageSize) {
        return pageSize >= 512 && pageSize <= 65536 && Integer.bitCount(pageSize) == 1;
    }

    /** The header's exact 32 bytes (every field is kept, so this round-trips). */
    public byte[] encode() {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(SIZE);
        b.putInt(magic).putInt(formatVersion).putInt(pageSize).putInt(checkpointSeq).putInt(salt1).putInt(salt2)
                .putInt(checksum.s1()).putInt(checksum.s2());
        return b.array();
    }

    public String saltHex() {
        return String.format("%08x%08x", salt1, salt2);
    }
}
