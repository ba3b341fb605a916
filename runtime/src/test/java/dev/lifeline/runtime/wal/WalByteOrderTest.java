package dev.lifeline.runtime.wal;

import static dev.lifeline.runtime.wal.WalFixtures.assertScan;
import static dev.lifeline.runtime.wal.WalFixtures.scanAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lifeline.runtime.wal.WalFixtures.Fixture;
import dev.lifeline.runtime.wal.WalFixtures.Result;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Both checksum byte orders. SQLite writes the machine's native order (little-endian here); a
 * big-endian WAL is made by rewriting a real one with the test helper, and SQLite itself confirms
 * the rewrite is a valid WAL before the reader is judged on it.
 */
class WalByteOrderTest {

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "page size {0}")
    @ValueSource(ints = {512, 4096, 65536})
    void helperReproducesSqliteChecksumsBitForBit(int pageSize) {
        Fixture fx = WalFixtures.jdbc(pageSize);
        assertArrayEquals(fx.wal(), WalFixtures.rechecksum(fx.wal(), WalHeader.MAGIC_LE, fx.totalFrames()));
    }

    @ParameterizedTest(name = "page size {0}")
    @ValueSource(ints = {512, 4096, 65536})
    void readsABigEndianWal(int pageSize) throws Exception {
        Fixture fx = WalFixtures.jdbc(pageSize);
        byte[] be = WalFixtures.rechecksum(fx.wal(), WalHeader.MAGIC_BE, fx.totalFrames());

        // SQLite accepts the rewritten WAL (it verifies either order) and recovers the same content
        assertEquals(fx.digest(), WalFixtures.digestWithSqlite(tmp.resolve("sqlite"), fx.db(), be));

        // only the magic and the checksum fields differ from the original
        assertEquals(fx.wal().length, be.length);
        int fs = fx.frameSize();
        for (int off = 32; off < be.length; off += fs) {
            assertArrayEquals(Arrays.copyOfRange(fx.wal(), off, off + 16), Arrays.copyOfRange(be, off, off + 16));
            assertArrayEquals(Arrays.copyOfRange(fx.wal(), off + 24, off + fs), Arrays.copyOfRange(be, off + 24, off + fs));
            assertFalse(Arrays.equals(fx.wal(), off + 16, off + 24, be, off + 16, off + 24), "checksum at " + off);
        }

        WalHeader h = WalHeader.parse(be, 0).orElseThrow();
        assertEquals(WalHeader.MAGIC_BE, h.magic());
        assertTrue(h.bigEndianChecksum());
        assertEquals(fx.header().salt1(), h.salt1());
        assertEquals(fx.header().salt2(), h.salt2());
        assertNotEquals(fx.header().checksum(), h.checksum());

        Path file = WalFixtures.write(tmp.resolve("be.db-wal"), be);
        Result r = scanAll(file, WalPosition.start(h));
        assertScan(fx.commits(), r, be);
        assertEquals(WalFrameDecoder.Stop.END_OF_INPUT, r.scan().stop());

        // resuming mid-way works with big-endian checksums too
        int mid = fx.commits().size() / 2;
        WalPosition from = WalFixtures.position(h, be, fx.commits().get(mid).endOffset());
        assertScan(WalFixtures.between(fx.commits(), from.offset(), Long.MAX_VALUE), scanAll(file, from), be);
    }

    @ParameterizedTest(name = "page size {0}")
    @ValueSource(ints = {1024, 4096})
    void rejectsFramesWhoseChecksumsUseTheOtherByteOrder(int pageSize) throws Exception {
        Fixture fx = WalFixtures.jdbc(pageSize);

        // little-endian frames under a (valid) big-endian header
        byte[] leFramesBeHeader = WalFixtures.withHeaderMagic(fx.wal(), WalHeader.MAGIC_BE);
        WalHeader beHeader = WalHeader.parse(leFramesBeHeader, 0).orElseThrow();
        assertTrue(beHeader.bigEndianChecksum());
        Path f1 = WalFixtures.write(tmp.resolve("a-wal"), leFramesBeHeader);
        Result r1 = scanAll(f1, WalPosition.start(beHeader));
        assertScan(List.of(), r1, leFramesBeHeader);
        assertEquals(WalFrameDecoder.Stop.CHECKSUM_MISMATCH, r1.scan().stop());

        // big-endian frames under a (valid) little-endian header
        byte[] be = WalFixtures.rechecksum(fx.wal(), WalHeader.MAGIC_BE, fx.totalFrames());
        byte[] beFramesLeHeader = WalFixtures.withHeaderMagic(be, WalHeader.MAGIC_LE);
        WalHeader leHeader = WalHeader.parse(beFramesLeHeader, 0).orElseThrow();
        assertEquals(fx.header(), leHeader);
        Path f2 = WalFixtures.write(tmp.resolve("b-wal"), beFramesLeHeader);
        Result r2 = scanAll(f2, WalPosition.start(leHeader));
        assertScan(List.of(), r2, beFramesLeHeader);
        assertEquals(WalFrameDecoder.Stop.CHECKSUM_MISMATCH, r2.scan().stop());

        // a position from the big-endian lifetime does not read the little-endian frames either
        Path f3 = WalFixtures.write(tmp.resolve("c-wal"), fx.wal());
        Result r3 = scanAll(f3, WalPosition.start(WalHeader.parse(be, 0).orElseThrow()));
        assertScan(List.of(), r3, fx.wal());
        assertEquals(WalFrameDecoder.Stop.CHECKSUM_MISMATCH, r3.scan().stop());

        // merely switching the magic without recomputing the header checksum invalidates the header
        byte[] magicOnly = fx.wal().clone();
        WalFixtures.putBeInt(magicOnly, 0, WalHeader.MAGIC_BE);
        assertTrue(WalHeader.parse(magicOnly, 0).isEmpty());
        assertTrue(new WalReader(WalFixtures.write(tmp.resolve("d-wal"), magicOnly)).readHeader().isEmpty());
    }
}
