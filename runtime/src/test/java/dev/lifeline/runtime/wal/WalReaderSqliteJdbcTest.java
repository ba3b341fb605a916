package dev.lifeline.runtime.wal;

import static dev.lifeline.runtime.wal.WalFixtures.HDR;
import static dev.lifeline.runtime.wal.WalFixtures.assertScan;
import static dev.lifeline.runtime.wal.WalFixtures.between;
import static dev.lifeline.runtime.wal.WalFixtures.scanAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lifeline.runtime.wal.WalFixtures.Fixture;
import dev.lifeline.runtime.wal.WalFixtures.Result;
import dev.lifeline.runtime.wal.WalFixtures.Tx;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** WalReader on WAL files written by SQLite through sqlite-jdbc, at every page size the brief names. */
class WalReaderSqliteJdbcTest {

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "page size {0}")
    @ValueSource(ints = {512, 1024, 4096, 8192, 32768, 65536})
    void readsEveryCommittedTransactionOfARealWal(int pageSize) throws Exception {
        Fixture fx = WalFixtures.jdbc(pageSize);
        byte[] wal = fx.wal();
        int fs = fx.frameSize();

        // header fields, checked against the raw bytes
        WalHeader h = WalHeader.parse(wal, 0).orElseThrow();
        ByteBuffer raw = ByteBuffer.wrap(wal);
        assertEquals(WalHeader.MAGIC_LE, h.magic(), "x86/arm64 SQLite writes native little-endian checksums");
        assertFalse(h.bigEndianChecksum());
        assertEquals(WalHeader.FORMAT_VERSION, h.formatVersion());
        assertEquals(pageSize, h.pageSize());
        assertEquals(raw.getInt(16), h.salt1());
        assertEquals(raw.getInt(20), h.salt2());
        assertEquals(0, h.checkpointSeq());
        Path file = WalFixtures.write(tmp.resolve("app.db-wal"), wal);
        WalReader reader = new WalReader(file);
        assertEquals(h, reader.readHeader().orElseThrow());
        assertEquals(wal.length, reader.size());

        // the fixture has no uncommitted tail: every frame in the file belongs to a committed tx
        assertEquals(0, (wal.length - HDR) % fs);
        long framesInFile = (wal.length - HDR) / fs;
        assertEquals(framesInFile, fx.totalFrames());
        assertEquals(wal.length, fx.committedEnd());
        assertTrue(fx.commits().size() >= 20, "workload should commit many transactions");
        assertTrue(fx.commits().stream().anyMatch(t -> t.frames() > 3), "some transactions span many pages");

        Result r = scanAll(file, WalPosition.start(h));
        assertScan(fx.commits(), r, wal);
        assertEquals(WalFrameDecoder.Stop.END_OF_INPUT, r.scan().stop());
        assertFalse(r.scan().moreAvailable());
        assertEquals(framesInFile, r.scan().end().frameCount());
        assertEquals(fx.commits().size(), r.commits().size());
        assertEquals(framesInFile, r.commits().stream().mapToLong(WalCommit::frameCount).sum());

        // last commit: the db size SQLite reports, and the VACUUM at the end shrank it
        Tx last = fx.commits().get(fx.commits().size() - 1);
        WalCommit lastRead = r.commits().get(r.commits().size() - 1);
        assertEquals(last.dbSizePages(), lastRead.dbSizePages());
        int maxSize = fx.commits().stream().mapToInt(Tx::dbSizePages).max().orElseThrow();
        assertTrue(lastRead.dbSizePages() < maxSize, "VACUUM should have shrunk the database");

        // SQLite itself recovers this very WAL to the same content, so the fixture is genuine
        assertEquals(fx.digest(), WalFixtures.digestWithSqlite(tmp.resolve("check"), fx.db(), wal));
    }

    @ParameterizedTest(name = "page size {0}")
    @ValueSource(ints = {512, 4096, 65536})
    void resumesFromEveryCommitBoundary(int pageSize) throws Exception {
        Fixture fx = WalFixtures.jdbc(pageSize);
        Path file = WalFixtures.write(tmp.resolve("app.db-wal"), fx.wal());
        for (int i = 0; i < fx.commits().size(); i++) {
            WalPosition from = fx.positionAfter(i);
            Result r = scanAll(file, from);
            assertScan(between(fx.commits(), from.offset(), Long.MAX_VALUE), r, fx.wal());
            assertEquals(WalFrameDecoder.Stop.END_OF_INPUT, r.scan().stop());
        }
    }

    @org.junit.jupiter.api.Test
    void aWalThatSqliteDeletedOnCloseReadsAsEmpty() throws Exception {
        Path db = tmp.resolve("gone.db");
        WalPosition pos;
        try (WalFixtures.Recorder r = new WalFixtures.Recorder(db, 4096)) {
            WalFixtures.randomWorkload(r, new java.util.Random(5), 3, false);
            byte[] wal = r.walBytes();
            pos = WalFixtures.position(r.current().header(), wal, r.current().commits().get(1).endOffset());
            Result before = scanAll(r.wal, pos);
            assertEquals(r.current().commits().size() - 2, before.commits().size());
        }
        // the last connection closed: SQLite checkpointed and deleted the WAL
        Path walPath = WalFixtures.walOf(db);
        assertFalse(java.nio.file.Files.exists(walPath));
        WalReader reader = new WalReader(walPath);
        assertTrue(reader.readHeader().isEmpty());
        assertEquals(0, reader.size());
        WalScan s = reader.readTransactions(pos, Long.MAX_VALUE, java.io.OutputStream.nullOutputStream());
        assertTrue(s.isEmpty());
        assertEquals(pos, s.end());
        assertEquals(WalFrameDecoder.Stop.END_OF_INPUT, s.stop());
        assertFalse(s.moreAvailable());
    }

    @ParameterizedTest(name = "page size {0}")
    @ValueSource(ints = {1024, 4096})
    void aPositionWithTheWrongChecksumReadsNothing(int pageSize) throws Exception {
        Fixture fx = WalFixtures.jdbc(pageSize);
        Path file = WalFixtures.write(tmp.resolve("app.db-wal"), fx.wal());
        int mid = fx.commits().size() / 2;
        WalPosition good = fx.positionAfter(mid);
        // a position at the right offset but carrying another point's checksum (e.g. a stale cursor)
        WalPosition wrong = new WalPosition(good.header(), good.offset(), fx.positionAfter(mid - 1).checksum());
        assertNotEquals(good.checksum(), wrong.checksum());
        Result r = scanAll(file, wrong);
        assertScan(java.util.List.of(), r, fx.wal());
        assertEquals(WalFrameDecoder.Stop.CHECKSUM_MISMATCH, r.scan().stop());
    }
}
