package dev.lifeline.runtime.wal;

import static dev.lifeline.runtime.wal.WalFixtures.header;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WalHeaderTest {

    /** The first 32 bytes of a WAL written by /usr/bin/sqlite3 3.40.1 (page size 4096) on this machine. */
    private static final byte[] GOLDEN = HexFormat.of().parseHex(
            "377f0682002de21800001000" + "00000000" + "afe5e60bff8e697f" + "e0cde8c2181f4f66");

    private static final int SALT1 = 0x1234abcd;
    private static final int SALT2 = 0x9876fedc;

    @Test
    void parsesAHeaderWrittenBySqlite() {
        WalHeader h = WalHeader.parse(GOLDEN, 0).orElseThrow();
        assertEquals(WalHeader.MAGIC_LE, h.magic());
        assertFalse(h.bigEndianChecksum());
        assertEquals(3007000, h.formatVersion());
        assertEquals(4096, h.pageSize());
        assertEquals(0, h.checkpointSeq());
        assertEquals(0xafe5e60b, h.salt1());
        assertEquals(0xff8e697f, h.salt2());
        assertEquals("afe5e60bff8e697f", h.saltHex());
        // the checksum over the first 24 bytes, hand-verified with an independent Python implementation
        assertEquals(new WalChecksum(0xe0cde8c2, 0x181f4f66), h.checksum());
        assertEquals(4120, h.frameSize());
    }

    @Test
    void parsesAtAnOffset() {
        byte[] buf = new byte[64];
        System.arraycopy(GOLDEN, 0, buf, 9, 32);
        assertEquals(WalHeader.parse(GOLDEN, 0), WalHeader.parse(buf, 9));
        assertTrue(WalHeader.parse(buf, 0).isEmpty());
    }

    @Test
    void rejectsShortInput() {
        assertTrue(WalHeader.parse(new byte[0], 0).isEmpty());
        assertTrue(WalHeader.parse(java.util.Arrays.copyOf(GOLDEN, 31), 0).isEmpty());
        byte[] buf = new byte[40];
        System.arraycopy(GOLDEN, 0, buf, 9, 31);
        assertTrue(WalHeader.parse(buf, 9).isEmpty(), "only 31 bytes after the offset");
    }

    @ParameterizedTest
    @ValueSource(ints = {512, 1024, 2048, 4096, 8192, 16384, 32768, 65536})
    void acceptsEveryValidPageSizeInBothByteOrders(int pageSize) {
        for (int magic : new int[] {WalHeader.MAGIC_LE, WalHeader.MAGIC_BE}) {
            WalHeader h = WalHeader.parse(header(magic, 3007000, pageSize, 5, SALT1, SALT2), 0).orElseThrow();
            assertEquals(pageSize, h.pageSize());
            assertEquals(magic, h.magic());
            assertEquals(magic == WalHeader.MAGIC_BE, h.bigEndianChecksum());
            assertEquals(5, h.checkpointSeq());
            assertEquals(SALT1, h.salt1());
            assertEquals(SALT2, h.salt2());
            assertEquals(pageSize + 24, h.frameSize());
            assertTrue(WalHeader.validPageSize(pageSize));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0x377f0681, 0x377f0684, 0x377f0680, 0x82067f37, 0x83067f37, 0, -1, 0x377e0682})
    void rejectsBadMagicEvenWithAConsistentChecksum(int magic) {
        assertTrue(WalHeader.parse(header(magic, 3007000, 4096, 0, SALT1, SALT2), 0).isEmpty());
    }

    @ParameterizedTest
    @ValueSource(ints = {3007001, 3006999, 0, 0x18e22d00, 3008000, -3007000})
    void rejectsBadVersionEvenWithAConsistentChecksum(int version) {
        assertTrue(WalHeader.parse(header(WalHeader.MAGIC_LE, version, 4096, 0, SALT1, SALT2), 0).isEmpty());
        assertTrue(WalHeader.parse(header(WalHeader.MAGIC_BE, version, 4096, 0, SALT1, SALT2), 0).isEmpty());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 256, 511, 513, 1000, 1536, 3072, 4095, 4097, 65535, 65537, 131072, 1 << 30,
            Integer.MIN_VALUE, -512, -4096, 0x00100000, 1 << 17})
    void rejectsBadPageSizeEvenWithAConsistentChecksum(int pageSize) {
        assertFalse(WalHeader.validPageSize(pageSize));
        assertTrue(WalHeader.parse(header(WalHeader.MAGIC_LE, 3007000, pageSize, 0, SALT1, SALT2), 0).isEmpty());
        assertTrue(WalHeader.parse(header(WalHeader.MAGIC_BE, 3007000, pageSize, 0, SALT1, SALT2), 0).isEmpty());
    }

    @Test
    void rejectsBadChecksum() {
        byte[] good = header(WalHeader.MAGIC_LE, 3007000, 4096, 3, SALT1, SALT2);
        assertTrue(WalHeader.parse(good, 0).isPresent());
        int s1 = WalFixtures.beInt(good, 24);
        int s2 = WalFixtures.beInt(good, 28);

        byte[] b = good.clone();
        WalFixtures.putBeInt(b, 24, s1 + 1);
        assertTrue(WalHeader.parse(b, 0).isEmpty(), "s1 off by one");

        b = good.clone();
        WalFixtures.putBeInt(b, 28, s2 - 1);
        assertTrue(WalHeader.parse(b, 0).isEmpty(), "s2 off by one");

        b = good.clone();
        WalFixtures.putBeInt(b, 24, s2);
        WalFixtures.putBeInt(b, 28, s1);
        assertTrue(WalHeader.parse(b, 0).isEmpty(), "s1/s2 swapped");

        // checksum computed with the other byte order than the magic declares
        int[] other = WalFixtures.sqliteChecksum(true, good, 0, 24, 0, 0);
        b = good.clone();
        WalFixtures.putBeInt(b, 24, other[0]);
        WalFixtures.putBeInt(b, 28, other[1]);
        assertTrue(WalHeader.parse(b, 0).isEmpty(), "big-endian checksum under a little-endian magic");

        // a salt changed after the checksum was computed
        b = good.clone();
        b[19] ^= 0x10;
        assertTrue(WalHeader.parse(b, 0).isEmpty(), "salt1 changed");
        b = good.clone();
        b[12] ^= 0x01;
        assertTrue(WalHeader.parse(b, 0).isEmpty(), "checkpoint sequence changed");
    }

    @Test
    void everySingleBitFlipOfARealHeaderIsRejected() {
        for (int bit = 0; bit < 32 * 8; bit++) {
            byte[] b = GOLDEN.clone();
            b[bit / 8] ^= (byte) (1 << (bit % 8));
            assertTrue(WalHeader.parse(b, 0).isEmpty(), "bit " + bit);
        }
    }

    @Test
    void frameGeometry() {
        WalHeader h = WalHeader.parse(header(WalHeader.MAGIC_LE, 3007000, 1024, 0, SALT1, SALT2), 0).orElseThrow();
        assertEquals(1048, h.frameSize());
        assertEquals(32, h.frameOffset(1));
        assertEquals(32 + 2 * 1048, h.frameOffset(3));
        assertTrue(h.isFrameBoundary(32));
        assertTrue(h.isFrameBoundary(32 + 1048));
        assertTrue(h.isFrameBoundary(32 + 1048L * 1_000_000));
        assertFalse(h.isFrameBoundary(0));
        assertFalse(h.isFrameBoundary(31));
        assertFalse(h.isFrameBoundary(33));
        assertFalse(h.isFrameBoundary(32 + 1047));
        assertFalse(h.isFrameBoundary(32 + 1049));
        assertFalse(h.isFrameBoundary(32 - 1048));
    }

    @Test
    void sameLifetimeComparesSaltsPageSizeAndMagic() {
        WalHeader a = parse(header(WalHeader.MAGIC_LE, 3007000, 4096, 0, SALT1, SALT2));
        assertTrue(a.sameLifetime(parse(header(WalHeader.MAGIC_LE, 3007000, 4096, 0, SALT1, SALT2))));
        assertFalse(a.sameLifetime(null));
        assertFalse(a.sameLifetime(parse(header(WalHeader.MAGIC_LE, 3007000, 4096, 0, SALT1 + 1, SALT2))));
        assertFalse(a.sameLifetime(parse(header(WalHeader.MAGIC_LE, 3007000, 4096, 0, SALT1, SALT2 ^ 1))));
        assertFalse(a.sameLifetime(parse(header(WalHeader.MAGIC_LE, 3007000, 8192, 0, SALT1, SALT2))));
        assertFalse(a.sameLifetime(parse(header(WalHeader.MAGIC_BE, 3007000, 4096, 0, SALT1, SALT2))));
    }

    private static WalHeader parse(byte[] b) {
        Optional<WalHeader> h = WalHeader.parse(b, 0);
        return h.orElseThrow();
    }
}
