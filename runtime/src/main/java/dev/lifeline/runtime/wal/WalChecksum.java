package dev.lifeline.runtime.wal;

/**
 * SQLite's cumulative WAL checksum: two 32-bit sums over pairs of 32-bit words, read in the
 * byte order the WAL header's magic declares. Each frame's checksum continues from the one
 * before it, so a frame only verifies in the context of every frame that precedes it.
 */
public record WalChecksum(int s1, int s2) {

    public static final WalChecksum ZERO = new WalChecksum(0, 0);

    /** Continues this checksum over {@code len} bytes of {@code data} (len is a multiple of 8). */
    public WalChecksum update(boolean bigEndian, byte[] data, int off, int len) {
        if ((len & 7) != 0) {
            throw new IllegalArgumentException("checksum input must be a multiple of 8 bytes: " + len);
        }
        int a = s1;
        int b = s2;
        int end = off + len;
        if (bigEndian) {
            for (int i = off; i < end; i += 8) {
                a += be(data, i) + b;
                b += be(data, i + 4) + a;
            }
        } else {
            for (int i = off; i < end; i += 8) {
                a += le(data, i) + b;
                b += le(data, i + 4) + a;
            }
        }
        return new WalChecksum(a, b);
    }

    static int be(byte[] d, int i) {
        return (d[i] & 0xff) << 24 | (d[i + 1] & 0xff) << 16 | (d[i + 2] & 0xff) << 8 | (d[i + 3] & 0xff);
    }

    static int le(byte[] d, int i) {
        return (d[i + 3] & 0xff) << 24 | (d[i + 2] & 0xff) << 16 | (d[i + 1] & 0xff) << 8 | (d[i] & 0xff);
    }

    public String hex() {
        return String.format("%08x%08x", s1, s2);
    }

    public static WalChecksum parseHex(String hex) {
        if (hex == null || hex.length() != 16) {
            throw new IllegalArgumentException("checksum must be 16 hex digits: " + hex);
        }
        return new WalChecksum((int) Long.parseLong(hex.substring(0, 8), 16), (int) Long.parseLong(hex.substring(8), 16));
    }
}
