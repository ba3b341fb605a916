package dev.lifeline.runtime.wal;

import static dev.lifeline.runtime.wal.WalFixtures.HDR;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.lifeline.runtime.wal.WalFixtures.Fixture;
import java.io.ByteArrayInputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** WalFrameDecoder on the frames of a real WAL, read from a plain stream (as for replica segments). */
class WalFrameDecoderTest {

    @Test
    void decodesEveryFrameOfARealWal() throws Exception {
        Fixture fx = WalFixtures.jdbc(1024);
        byte[] wal = fx.wal();
        int fs = fx.frameSize();
        WalHeader h = fx.header();
        WalFrameDecoder d = new WalFrameDecoder(h, HDR, h.checksum());
        ByteArrayInputStream in = new ByteArrayInputStream(wal, HDR, wal.length - HDR);
        int n = 0;
        int commits = 0;
        WalFrame f;
        while ((f = d.next(in)) != null) {
            long off = HDR + (long) n * fs;
            assertEquals(off, f.offset());
            assertEquals(WalFixtures.beInt(wal, (int) off), f.pageNumber());
            assertEquals(WalFixtures.beInt(wal, (int) off + 4), f.commitDbSize());
            assertEquals(WalFixtures.storedChecksumBefore(wal, off + fs), f.checksum());
            assertArrayEquals(Arrays.copyOfRange(wal, (int) off, (int) off + fs), d.frameBytes());
            assertEquals(off + fs, d.offset());
            assertEquals(f.checksum(), d.checksum());
            if (f.isCommit()) {
                commits++;
            }
            n++;
        }
        assertEquals(fx.totalFrames(), n);
        assertEquals(fx.commits().size(), commits);
        assertEquals(WalFrameDecoder.Stop.END_OF_INPUT, d.stop());
        assertEquals(24, d.pageOffsetInFrame());
        assertEquals(h, d.header());
    }

    @Test
    void stopsOnAPartialFrameWithoutMovingAndStaysStopped() throws Exception {
        Fixture fx = WalFixtures.jdbc(1024);
        byte[] wal = fx.wal();
        int fs = fx.frameSize();
        WalHeader h = fx.header();
        // two whole frames and half of the third, then (unreachable) the rest of the file
        WalFrameDecoder d = new WalFrameDecoder(h, HDR, h.checksum());
        ByteArrayInputStream in = new ByteArrayInputStream(wal, HDR, 2 * fs + fs / 2);
        assertNotNull(d.next(in));
        assertNotNull(d.next(in));
        WalChecksum afterTwo = d.checksum();
        assertNull(d.next(in));
        assertEquals(WalFrameDecoder.Stop.PARTIAL_FRAME, d.stop());
        assertEquals(HDR + 2L * fs, d.offset());
        assertEquals(afterTwo, d.checksum());
        // once stopped, it does not read further even if more input is offered
        assertNull(d.next(new ByteArrayInputStream(wal, HDR + 2 * fs, wal.length)));
        assertEquals(WalFrameDecoder.Stop.PARTIAL_FRAME, d.stop());
        assertEquals(HDR + 2L * fs, d.offset());

        // a new decoder resuming at that point reads the third frame
        WalFrameDecoder resumed = new WalFrameDecoder(h, HDR + 2L * fs, afterTwo);
        WalFrame third = resumed.next(new ByteArrayInputStream(wal, HDR + 2 * fs, fs));
        assertNotNull(third);
        assertEquals(HDR + 2L * fs, third.offset());
    }

    @Test
    void rejectsPageNumberZeroEvenWithAValidChecksum() throws Exception {
        Fixture fx = WalFixtures.jdbc(1024);
        WalHeader h = fx.header();
        byte[] wal = fx.wal().clone();
        WalFixtures.putBeInt(wal, HDR, 0);
        byte[] fixed = WalFixtures.rechecksum(wal, WalHeader.MAGIC_LE, fx.totalFrames());
        WalFrameDecoder d = new WalFrameDecoder(h, HDR, h.checksum());
        assertNull(d.next(new ByteArrayInputStream(fixed, HDR, fixed.length - HDR)));
        assertEquals(WalFrameDecoder.Stop.INVALID_PAGE_NUMBER, d.stop());
        assertEquals(HDR, d.offset());
        assertEquals(h.checksum(), d.checksum());
    }

    @Test
    void constructorRejectsOffsetsOffAFrameBoundary() {
        WalHeader h = WalFixtures.jdbc(1024).header();
        for (long off : new long[] {0, 31, 33, HDR + 1047, HDR + 1049, HDR - 1048}) {
            assertThrows(IllegalArgumentException.class, () -> new WalFrameDecoder(h, off, h.checksum()), "" + off);
        }
        new WalFrameDecoder(h, HDR + 1048, WalChecksum.ZERO);
    }
}
