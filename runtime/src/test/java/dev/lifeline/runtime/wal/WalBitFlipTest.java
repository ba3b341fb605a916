package dev.lifeline.runtime.wal;

import static dev.lifeline.runtime.wal.WalFixtures.HDR;
import static dev.lifeline.runtime.wal.WalFixtures.assertScan;
import static dev.lifeline.runtime.wal.WalFixtures.scanAll;
import static dev.lifeline.runtime.wal.WalFixtures.upTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lifeline.runtime.wal.WalFixtures.Fixture;
import dev.lifeline.runtime.wal.WalFixtures.Result;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded fuzzing of real WALs: flipping one bit (or overwriting one byte, or zeroing a sector)
 * anywhere in a frame makes the reader stop exactly at that frame - it returns the commits that
 * end before the damaged frame, byte-identical, and nothing at or after it. SQLite's checksum
 * detects any change confined to one 32-bit word, so "exactly" (not merely "a prefix") holds.
 */
class WalBitFlipTest {

    @TempDir
    Path tmp;

    @Test
    void everyHeaderBitFlipInvalidatesTheHeaderAndChangesNothingReturned() throws Exception {
        Fixture fx = WalFixtures.jdbc(1024);
        byte[] wal = fx.wal();
        WalHeader original = fx.header();
        Path file = WalFixtures.write(tmp.resolve("h.db-wal"), wal);
        WalReader reader = new WalReader(file);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            for (int bit = 0; bit < HDR * 8; bit++) {
                flip(raf, bit);
                byte[] b = wal.clone();
                b[bit / 8] ^= (byte) (1 << (bit % 8));
                assertTrue(WalHeader.parse(b, 0).isEmpty(), "header bit " + bit);
                assertTrue(reader.readHeader().isEmpty(), "header bit " + bit);
                if (bit % 16 == 0) {
                    // a reader that already holds a position trusts its own header, not the damaged one
                    Result r = scanAll(file, WalPosition.start(original));
                    assertScan(fx.commits(), r, wal);
                }
                flip(raf, bit);
            }
        }
        assertEquals(original, reader.readHeader().orElseThrow());
    }

    @Test
    void randomFlipsInFramesStopTheReaderExactlyAtTheDamagedFrame() throws Exception {
        Random rnd = new Random(0x5eed);
        Map<WalFrameDecoder.Stop, Integer> stops = new EnumMap<>(WalFrameDecoder.Stop.class);
        int iterations = 0;
        for (int pageSize : new int[] {512, 1024, 4096}) {
            Fixture fx = WalFixtures.jdbc(pageSize);
            byte[] wal = fx.wal();
            WalHeader h = fx.header();
            int fs = fx.frameSize();
            Path file = WalFixtures.write(tmp.resolve("f" + pageSize + ".db-wal"), wal);
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
                for (int i = 0; i < 150; i++) {
                    // bias a third of the flips into the 24-byte frame headers, which are small targets
                    long pos;
                    if (i % 3 == 0) {
                        long frame = rnd.nextInt((wal.length - HDR) / fs);
                        pos = HDR + frame * fs + rnd.nextInt(24);
                    } else {
                        pos = HDR + (long) rnd.nextInt(wal.length - HDR);
                    }
                    long bit = pos * 8 + rnd.nextInt(8);
                    flip(raf, bit);
                    long frameStart = HDR + (pos - HDR) / fs * fs;
                    int inFrame = (int) (pos - frameStart);

                    Result r = scanAll(file, WalPosition.start(h));
                    assertScan(upTo(fx.commits(), frameStart), r, wal);
                    assertTrue(r.scan().end().offset() <= frameStart);
                    WalFrameDecoder.Stop stop = r.scan().stop();
                    if (inFrame >= 8 && inFrame < 16) {
                        assertEquals(WalFrameDecoder.Stop.SALT_MISMATCH, stop, "flip at " + pos);
                    } else if (inFrame < 4
                            && WalFixtures.beInt(wal, (int) frameStart) == 1 << ((int) (bit % 8) + 8 * (3 - inFrame))) {
                        // the flip cleared the only set bit of the page number
                        assertEquals(WalFrameDecoder.Stop.INVALID_PAGE_NUMBER, stop, "flip at " + pos);
                    } else {
                        assertEquals(WalFrameDecoder.Stop.CHECKSUM_MISMATCH, stop, "flip at " + pos);
                    }
                    stops.merge(stop, 1, Integer::sum);

                    // the header was not touched, so a fresh reader gets the same answer
                    WalHeader fresh = new WalReader(file).readHeader().orElseThrow();
                    assertEquals(r.commits(), scanAll(file, WalPosition.start(fresh)).commits());

                    flip(raf, bit);
                    iterations++;
                }
            }
            // the file is intact again: everything reads
            assertScan(fx.commits(), scanAll(file, WalPosition.start(h)), wal);
        }
        assertTrue(iterations >= 450);
        assertTrue(stops.getOrDefault(WalFrameDecoder.Stop.SALT_MISMATCH, 0) > 10, stops.toString());
        assertTrue(stops.getOrDefault(WalFrameDecoder.Stop.CHECKSUM_MISMATCH, 0) > 100, stops.toString());
    }

    @Test
    void randomByteOverwritesAndZeroedSectorsStopTheReaderAtTheDamagedFrame() throws Exception {
        Random rnd = new Random(99);
        Fixture fx = WalFixtures.jdbc(4096);
        byte[] wal = fx.wal();
        WalHeader h = fx.header();
        int fs = fx.frameSize();
        for (int i = 0; i < 60; i++) {
            byte[] damaged = wal.clone();
            int pos;
            if (i % 2 == 0) {
                pos = HDR + rnd.nextInt(wal.length - HDR);
                byte v;
                do {
                    v = (byte) rnd.nextInt(256);
                } while (v == damaged[pos]);
                damaged[pos] = v;
            } else {
                // a torn write: a 512-byte sector inside the frame's page reads back as zeros
                int frame = rnd.nextInt((wal.length - HDR) / fs);
                int sector = rnd.nextInt(4096 / 512);
                pos = HDR + frame * fs + 24 + sector * 512;
                byte[] zeros = new byte[512];
                if (java.util.Arrays.equals(damaged, pos, pos + 512, zeros, 0, 512)) {
                    continue; // already zero: nothing damaged
                }
                java.util.Arrays.fill(damaged, pos, pos + 512, (byte) 0);
            }
            long frameStart = HDR + (long) (pos - HDR) / fs * fs;
            Path file = WalFixtures.write(tmp.resolve("d.db-wal"), damaged);
            Result r = scanAll(file, WalPosition.start(h));
            assertScan(upTo(fx.commits(), frameStart), r, wal);
        }
    }

    private static void flip(RandomAccessFile raf, long bit) throws Exception {
        long pos = bit / 8;
        raf.seek(pos);
        int b = raf.read();
        raf.seek(pos);
        raf.write(b ^ (1 << (bit % 8)));
    }
}
