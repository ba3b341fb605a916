package dev.lifeline.runtime.wal;

/**
 * SQLite's cumulative WAL checksum: two 32-bit sums over pairs of 32-bit words, read in the
 * byte order the WAL header's magic declares. Each frame's checksum continues from the one
 * before it, so a frame only verifies in the context of every frame that precedes it.
 */
public record WalChecksum(int s1, int s2) {

    public static final WalChecksum ZERO = new WalChecksum(0, 0);

    private static final java.lang.invoke.VarHandle LONG_BE =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.BIG_ENDIAN);
    private static final java.lang.invoke.VarHandle LONG_LE =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

    /** Continues this checksum over {@code len} bytes of {@code data} (len is a multiple of 8). */
    public WalChecksum update(boolean bigEndian, byte[] data, int off, int len) {
        if ((len & 7) != 0) {
            throw new IllegalArgumentException("checksum input must be a multiple of 8 bytes: " + len);
        }
        int a = s1;
        int b = s2;
        int end = off + len;
        // One 64-bit read per word pair: restore and verify checksum every byte they trust.
        if (bigEndian) {
            for (int i = off; i < end; i += 8) {
                long w = (long) LONG_BE.get(data, i);
                a += (int) (w >>> 32) + b;
                b += (int) w + a;
            }
        } else {
            for (int i = off; i < end; i += 8) {
                long w = (long) LONG_LE.get(data, i);
                a += (int) w + b;
                b += (int) (w >>> 32) + a;
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
