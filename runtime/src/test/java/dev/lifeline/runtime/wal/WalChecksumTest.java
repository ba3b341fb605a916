package dev.lifeline.runtime.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** WalChecksum against values computed by hand from SQLite's walChecksumBytes definition. */
class WalChecksumTest {

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    @Test
    void onePairLittleEndian() {
        // words 1, 2: s1 = 0 + 1 + 0 = 1; s2 = 0 + 2 + 1 = 3
        assertEquals(new WalChecksum(1, 3), WalChecksum.ZERO.update(false, hex("01000000 02000000"), 0, 8));
    }

    @Test
    void onePairBigEndian() {
        // the same bytes read big-endian: words 0x01000000, 0x02000000
        assertEquals(new WalChecksum(0x01000000, 0x03000000),
                WalChecksum.ZERO.update(true, hex("01000000 02000000"), 0, 8));
    }

    @Test
    void byteOrderOfWords() {
        byte[] d = hex("01020304 05060708");
        // LE: 0x04030201, 0x08070605 -> s1 = 0x04030201, s2 = 0x08070605 + 0x04030201 = 0x0c0a0806
        assertEquals(new WalChecksum(0x04030201, 0x0c0a0806), WalChecksum.ZERO.update(false, d, 0, 8));
        // BE: 0x01020304, 0x05060708 -> s1 = 0x01020304, s2 = 0x05060708 + 0x01020304 = 0x06080a0c
        assertEquals(new WalChecksum(0x01020304, 0x06080a0c), WalChecksum.ZERO.update(true, d, 0, 8));
    }

    @Test
    void twoPairsFeedBack() {
        // words 1,2,3,4: (1,3) then s1 = 1 + 3 + 3 = 7, s2 = 3 + 4 + 7 = 14
        assertEquals(new WalChecksum(7, 14),
                WalChecksum.ZERO.update(false, hex("01000000 02000000 03000000 04000000"), 0, 16));
        assertEquals(new WalChecksum(7, 14),
                WalChecksum.ZERO.update(true, hex("00000001 00000002 00000003 00000004"), 0, 16));
    }

    @Test
    void continuesFromAGivenChecksum() {
        // from (10, 20), words 1, 2: s1 = 10 + 1 + 20 = 31; s2 = 20 + 2 + 31 = 53
        assertEquals(new WalChecksum(31, 53),
                new WalChecksum(10, 20).update(true, hex("00000001 00000002"), 0, 8));
    }

    @Test
    void wrapsModulo2To32() {
        // words 0xffffffff, 0xffffffff: s1 = -1; s2 = -1 + -1 = -2
        WalChecksum c = WalChecksum.ZERO.update(false, hex("ffffffff ffffffff"), 0, 8);
        assertEquals(new WalChecksum(0xffffffff, 0xfffffffe), c);
        assertEquals("fffffffffffffffe", c.hex());
        // then words 1, 0 (BE): s1 = -1 + 1 + -2 = -2; s2 = -2 + 0 + -2 = -4
        assertEquals(new WalChecksum(0xfffffffe, 0xfffffffc), c.update(true, hex("00000001 00000000"), 0, 8));
    }

    @Test
    void honoursOffsetAndLength() {
        byte[] d = hex("aaaaaa 01000000 02000000 bbbbbbbb");
        assertEquals(new WalChecksum(1, 3), WalChecksum.ZERO.update(false, d, 3, 8));
        assertEquals(new WalChecksum(5, 6), new WalChecksum(5, 6).update(false, d, 3, 0));
    }

    @Test
    void chunkedEqualsWholeAndMatchesIndependentImplementation() {
        Random rnd = new Random(42);
        for (int iter = 0; iter < 200; iter++) {
            byte[] d = new byte[8 * (1 + rnd.nextInt(200))];
            rnd.nextBytes(d);
            boolean be = rnd.nextBoolean();
            WalChecksum seed = new WalChecksum(rnd.nextInt(), rnd.nextInt());
            WalChecksum whole = seed.update(be, d, 0, d.length);
            int split = 8 * rnd.nextInt(d.length / 8 + 1);
            WalChecksum parts = seed.update(be, d, 0, split).update(be, d, split, d.length - split);
            assertEquals(whole, parts);
            int[] ref = WalFixtures.sqliteChecksum(be, d, 0, d.length, seed.s1(), seed.s2());
            assertEquals(new WalChecksum(ref[0], ref[1]), whole);
        }
    }

    @Test
    void anyChangeConfinedToOneWordIsDetected() {
        // the property the corruption tests rely on: one changed 32-bit word always changes the sum
        Random rnd = new Random(7);
        byte[] d = new byte[4096];
        rnd.nextBytes(d);
        for (boolean be : new boolean[] {false, true}) {
            WalChecksum ref = WalChecksum.ZERO.update(be, d, 0, d.length);
            for (int iter = 0; iter < 300; iter++) {
                byte[] x = d.clone();
                int word = rnd.nextInt(d.length / 4);
                int b = word * 4 + rnd.nextInt(4);
                x[b] ^= (byte) (1 + rnd.nextInt(255));
                assertNotEquals(ref, WalChecksum.ZERO.update(be, x, 0, x.length), "byte " + b);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 4, 7, 9, 12, 4095})
    void rejectsLengthsThatAreNotMultiplesOf8(int len) {
        assertThrows(IllegalArgumentException.class, () -> WalChecksum.ZERO.update(false, new byte[4096], 0, len));
        assertThrows(IllegalArgumentException.class, () -> WalChecksum.ZERO.update(true, new byte[4096], 0, len));
    }

    @Test
    void hexRoundTrip() {
        WalChecksum c = new WalChecksum(0x80000001, 0x0000ff00);
        assertEquals("800000010000ff00", c.hex());
        assertEquals(c, WalChecksum.parseHex("800000010000ff00"));
        assertEquals(c, WalChecksum.parseHex("800000010000FF00"));
        assertEquals(WalChecksum.ZERO, WalChecksum.parseHex("0000000000000000"));
        assertEquals(new WalChecksum(-1, -1), WalChecksum.parseHex("ffffffffffffffff"));
    }

    @Test
    void parseHexRejectsMalformed() {
        assertThrows(IllegalArgumentException.class, () -> WalChecksum.parseHex(null));
        assertThrows(IllegalArgumentException.class, () -> WalChecksum.parseHex(""));
        assertThrows(IllegalArgumentException.class, () -> WalChecksum.parseHex("00000000000000"));
        assertThrows(IllegalArgumentException.class, () -> WalChecksum.parseHex("00000000000000000"));
        assertThrows(IllegalArgumentException.class, () -> WalChecksum.parseHex("zzzzzzzz00000000"));
    }

    @Test
    void wordReaders() {
        byte[] d = hex("377f0682");
        assertEquals(0x377f0682, WalChecksum.be(d, 0));
        assertEquals(0x82067f37, WalChecksum.le(d, 0));
    }
}
