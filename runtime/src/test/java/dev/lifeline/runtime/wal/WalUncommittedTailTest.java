package dev.lifeline.runtime.wal;

import static dev.lifeline.runtime.wal.WalFixtures.HDR;
import static dev.lifeline.runtime.wal.WalFixtures.assertScan;
import static dev.lifeline.runtime.wal.WalFixtures.between;
import static dev.lifeline.runtime.wal.WalFixtures.scan;
import static dev.lifeline.runtime.wal.WalFixtures.scanAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lifeline.runtime.wal.WalFixtures.Fixture;
import dev.lifeline.runtime.wal.WalFixtures.Recorder;
import dev.lifeline.runtime.wal.WalFixtures.Result;
import dev.lifeline.runtime.wal.WalFixtures.Tx;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Transactions whose commit frame is not (yet) in the WAL are held back; maxBytes splits on commits. */
class WalUncommittedTailTest {

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "page size {0}")
    @ValueSource(ints = {512, 4096})
    void aTransactionWithoutItsCommitFrameIsHeldBackUntilItArrives(int pageSize) throws Exception {
        Fixture fx = WalFixtures.jdbc(pageSize);
        byte[] wal = fx.wal();
        int fs = fx.frameSize();
        List<Tx> commits = fx.commits();
        Tx last = commits.get(commits.size() - 1);
        assertTrue(last.frames() >= 2, "the final VACUUM writes many frames");
        long prevEnd = commits.get(commits.size() - 2).endOffset();
        List<Tx> allButLast = commits.subList(0, commits.size() - 1);
        Path file = tmp.resolve("tail.db-wal");
        WalPosition start = WalPosition.start(fx.header());

        // every frame of the last transaction is on disk except its commit frame (and fewer)
        for (long cut = last.endOffset() - fs; cut > prevEnd; cut -= fs) {
            byte[] partial = Arrays.copyOf(wal, (int) cut);
            WalFixtures.write(file, partial);
            Result r = scanAll(file, start);
            assertScan(allButLast, r, wal);
            assertEquals(prevEnd, r.scan().end().offset());
            assertTrue(r.scan().end().offset() < cut, "frames of the open transaction were on disk");
            assertEquals(WalFrameDecoder.Stop.END_OF_INPUT, r.scan().stop());
            assertFalse(r.scan().moreAvailable());

            // a reader already at the last commit boundary sees nothing yet
            Result tail = scanAll(file, fx.positionAfter(commits.size() - 2));
            assertScan(List.of(), tail, wal);
        }

        // the commit frame arrives: the next scan from where the last one ended returns exactly it
        WalFixtures.write(file, wal);
        Result rest = scanAll(file, fx.positionAfter(commits.size() - 2));
        assertScan(List.of(last), rest, wal);
        assertEquals(WalFrameDecoder.Stop.END_OF_INPUT, rest.scan().stop());
    }

    @Test
    void aRealSpilledTransactionIsHeldBackAndItsLeftoversAreNeverReturned() throws Exception {
        try (Recorder r = new Recorder(tmp.resolve("spill.db"), 1024)) {
            Random rnd = new Random(11);
            r.exec("CREATE TABLE t(k INTEGER PRIMARY KEY, v BLOB NOT NULL)");
            for (int i = 0; i < 3; i++) {
                r.tx(c -> WalFixtures.insertAuto(c, WalFixtures.blob(rnd, 600)));
            }
            int fs = r.frameSize();
            long committedEnd = r.current().end();
            WalHeader h = r.current().header();
            r.run("PRAGMA cache_size=8"); // tiny page cache: a big transaction must spill to the WAL

            // an open transaction larger than the cache: SQLite writes its frames before the commit
            r.conn.setAutoCommit(false);
            for (int i = 0; i < 150; i++) {
                WalFixtures.insertAuto(r.conn, WalFixtures.blob(rnd, 700));
            }
            byte[] open = r.walBytes();
            assertTrue(open.length >= committedEnd + 5L * fs, "SQLite should have spilled frames: " + open.length);
            for (long off = committedEnd; off + fs <= open.length; off += fs) {
                assertEquals(h.salt1(), WalFixtures.beInt(open, (int) off + 8), "spilled frame salt");
                assertEquals(0, WalFixtures.beInt(open, (int) off + 4), "spilled frames are not commit frames");
            }
            Path f = WalFixtures.write(tmp.resolve("copies").resolve("open-wal"), open);
            for (long max : new long[] {1, fs, Long.MAX_VALUE}) {
                WalPosition end = drain(f, WalPosition.start(h), max, new ArrayList<>());
                assertEquals(committedEnd, end.offset(), "open transaction must be held back, maxBytes " + max);
            }
            Result all = scanAll(f, WalPosition.start(h));
            assertScan(r.current().commits(), all, open);
            assertTrue(EnumSet.of(WalFrameDecoder.Stop.END_OF_INPUT, WalFrameDecoder.Stop.CHECKSUM_MISMATCH)
                    .contains(all.scan().stop()), "stop " + all.scan().stop());

            // roll it back: the spilled frames stay in the file, past the last commit
            r.conn.rollback();
            r.conn.setAutoCommit(true);
            assertTrue(r.walBytes().length >= open.length);

            // a small transaction is written over the start of the leftovers, with the same salts
            r.exec("INSERT INTO t(v) VALUES (x'ff')");
            assertEquals(1, r.lifetimes().size());
            byte[] after = r.walBytes();
            long newEnd = r.current().end();
            assertTrue(after.length >= newEnd + 2L * fs, "leftover spilled frames follow the new commit");
            assertEquals(h.salt1(), WalFixtures.beInt(after, (int) newEnd + 8));
            assertEquals(h.salt2(), WalFixtures.beInt(after, (int) newEnd + 12));
            Path g = WalFixtures.write(tmp.resolve("copies").resolve("after-wal"), after);
            Result res = scanAll(g, WalPosition.start(h));
            assertScan(r.current().commits(), res, after);
            assertEquals(WalFrameDecoder.Stop.CHECKSUM_MISMATCH, res.scan().stop(),
                    "same-salt leftovers do not continue the checksum chain");

            // and a big transaction that does commit is returned whole
            r.tx(c -> {
                for (int i = 0; i < 150; i++) {
                    WalFixtures.insertAuto(c, WalFixtures.blob(rnd, 700));
                }
            });
            byte[] done = r.walBytes();
            Tx big = r.current().commits().get(r.current().commits().size() - 1);
            assertTrue(big.frames() > 20);
            Path d = WalFixtures.write(tmp.resolve("copies").resolve("done-wal"), done);
            Result fin = scanAll(d, WalPosition.start(h));
            assertScan(r.current().commits(), fin, done);
            Result step = scanAll(d, WalFixtures.position(h, done, newEnd));
            assertScan(List.of(big), step, done);
        }
    }

    @ParameterizedTest(name = "page size {0}")
    @ValueSource(ints = {512, 4096})
    void maxBytesSplitsScansOnCommitBoundaries(int pageSize) throws Exception {
        Fixture fx = WalFixtures.jdbc(pageSize);
        byte[] wal = fx.wal();
        int fs = fx.frameSize();
        List<Tx> commits = fx.commits();
        long total = wal.length - HDR;
        Path file = WalFixtures.write(tmp.resolve("max.db-wal"), wal);

        for (long maxBytes : new long[] {0, 1, fs - 1, fs, fs + 1, 3L * fs, 7L * fs + 5, total / 3, total - 1, total,
                total + 1, Long.MAX_VALUE}) {
            WalPosition pos = WalPosition.start(fx.header());
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            List<WalCommit> got = new ArrayList<>();
            int scans = 0;
            while (true) {
                Result r = scan(file, pos, maxBytes);
                scans++;
                assertTrue(scans <= commits.size() + 1, "scans do not make progress");
                assertEquals(pos, r.scan().start(), "next scan starts exactly where the last ended");
                long from = pos.offset();
                List<Tx> remaining = between(commits, from, Long.MAX_VALUE);
                Tx stopAt = remaining.stream().filter(t -> t.endOffset() - from >= maxBytes).findFirst().orElse(null);
                if (stopAt != null && stopAt.endOffset() < wal.length) {
                    assertScan(between(commits, from, stopAt.endOffset()), r, wal);
                    assertTrue(r.scan().moreAvailable(), "maxBytes " + maxBytes);
                    assertNull(r.scan().stop());
                } else if (stopAt != null) {
                    // the budget ran out exactly on the last commit: "more" may or may not be claimed,
                    // but if it is, the follow-up scan must come back empty
                    assertScan(remaining, r, wal);
                    if (!r.scan().moreAvailable()) {
                        assertEquals(WalFrameDecoder.Stop.END_OF_INPUT, r.scan().stop());
                    }
                } else {
                    assertScan(remaining, r, wal);
                    assertFalse(r.scan().moreAvailable(), "maxBytes " + maxBytes);
                    assertEquals(WalFrameDecoder.Stop.END_OF_INPUT, r.scan().stop());
                }
                if (r.scan().moreAvailable()) {
                    assertFalse(r.scan().isEmpty(), "a scan claiming more must have made progress");
                }
                all.write(r.bytes());
                got.addAll(r.commits());
                pos = r.scan().end();
                if (!r.scan().moreAvailable()) {
                    break;
                }
            }
            assertArrayEquals(Arrays.copyOfRange(wal, HDR, wal.length), all.toByteArray(), "maxBytes " + maxBytes);
            assertEquals(commits.size(), got.size());
            for (int i = 0; i < commits.size(); i++) {
                assertEquals(commits.get(i).endOffset(), got.get(i).endOffset());
            }
            if (maxBytes <= 1) {
                assertTrue(scans >= commits.size(), "one commit per scan with maxBytes " + maxBytes);
            }
            if (maxBytes == Long.MAX_VALUE) {
                assertEquals(1, scans);
            }
        }
    }

    @Test
    void maxBytesNeverHandsOutAnUncommittedTail() throws Exception {
        Fixture fx = WalFixtures.jdbc(4096);
        List<Tx> commits = fx.commits();
        Tx last = commits.get(commits.size() - 1);
        byte[] partial = Arrays.copyOf(fx.wal(), (int) (last.endOffset() - fx.frameSize()));
        Path file = WalFixtures.write(tmp.resolve("pt.db-wal"), partial);
        for (long max : new long[] {0, 1, fx.frameSize(), 5L * fx.frameSize() + 3}) {
            List<WalCommit> got = new ArrayList<>();
            WalPosition pos = drain(file, WalPosition.start(fx.header()), max, got);
            assertEquals(commits.size() - 1, got.size());
            for (int i = 0; i < got.size(); i++) {
                assertEquals(commits.get(i).endOffset(), got.get(i).endOffset());
            }
            assertEquals(commits.get(commits.size() - 2).endOffset(), pos.offset());
            assertTrue(Files.size(file) > pos.offset());
        }
    }

    /** Scans with {@code maxBytes} until no more is available; collects the commits, returns the end. */
    private static WalPosition drain(Path file, WalPosition pos, long maxBytes, List<WalCommit> into)
            throws Exception {
        Result r;
        int scans = 0;
        do {
            r = scan(file, pos, maxBytes);
            assertEquals(pos, r.scan().start());
            into.addAll(r.commits());
            pos = r.scan().end();
            assertTrue(++scans < 10_000, "no progress");
        } while (r.scan().moreAvailable());
        assertTrue(r.scan().stop() != null, "a final scan says why it stopped");
        return pos;
    }
}
