package dev.lifeline.runtime.wal;

import static dev.lifeline.runtime.wal.WalFixtures.HDR;
import static dev.lifeline.runtime.wal.WalFixtures.assertScan;
import static dev.lifeline.runtime.wal.WalFixtures.between;
import static dev.lifeline.runtime.wal.WalFixtures.scanAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lifeline.runtime.wal.WalFixtures.Lifetime;
import dev.lifeline.runtime.wal.WalFixtures.Recorder;
import dev.lifeline.runtime.wal.WalFixtures.Result;
import dev.lifeline.runtime.wal.WalFixtures.Tx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints and WAL restarts with real SQLite. Each restart starts a new lifetime with new salts,
 * writing from the start of the file over the previous lifetime's frames; a reader positioned in
 * an old lifetime must never take the new lifetime's frames for its own, and a reader of the new
 * lifetime must not run on into the stale frames that follow it.
 */
class WalLifetimeTest {

    private static final int PAGE = 1024;
    private static final Set<WalFrameDecoder.Stop> LIFETIME_STOPS =
            EnumSet.of(WalFrameDecoder.Stop.SALT_MISMATCH, WalFrameDecoder.Stop.CHECKSUM_MISMATCH);

    @TempDir
    Path tmp;

    @Test
    void restartCheckpointStartsANewLifetimeOverTheOldFrames() throws Exception {
        try (Recorder r = new Recorder(tmp.resolve("a.db"), PAGE)) {
            Random rnd = new Random(1);
            WalFixtures.randomWorkload(r, rnd, 12, false);
            Lifetime l1 = r.current();
            byte[] wal1 = r.walBytes();
            long walFrames1 = (wal1.length - HDR) / r.frameSize();

            long[] ck = r.pragmaRow("PRAGMA wal_checkpoint(RESTART)");
            assertEquals(0, ck[0], "checkpoint busy");
            assertEquals(walFrames1, ck[1], "SQLite's frame count agrees with the oracle's");
            assertEquals(walFrames1, ck[2]);
            // the checkpoint itself does not rewrite the WAL: it is still the old lifetime on disk
            assertArrayEquals(wal1, r.walBytes());

            // lifetime 2: two small transactions, far shorter than lifetime 1
            r.exec("INSERT INTO t(v) VALUES (x'01')");
            r.exec("INSERT INTO t(v) VALUES (x'0203')");
            assertEquals(2, r.lifetimes().size(), "the first write after RESTART starts a new lifetime");
            Lifetime l2 = r.current();
            byte[] wal2 = r.walBytes();
            WalHeader h1 = l1.header();
            WalHeader h2 = l2.header();
            assertNotEquals(h1.saltHex(), h2.saltHex());
            assertFalse(h1.sameLifetime(h2));
            assertEquals(h1.checkpointSeq() + 1, h2.checkpointSeq());
            assertEquals(h2, new WalReader(writeWal("wal2", wal2)).readHeader().orElseThrow());

            // stale lifetime-1 frames really do follow lifetime 2 in the file
            assertEquals(wal1.length, wal2.length);
            assertTrue(l2.end() < wal2.length);
            assertArrayEquals(Arrays.copyOfRange(wal1, (int) l2.end(), wal1.length),
                    Arrays.copyOfRange(wal2, (int) l2.end(), wal2.length));

            Path f2 = writeWal("wal2", wal2);
            Result fresh = scanAll(f2, WalPosition.start(h2));
            assertScan(l2.commits(), fresh, wal2);
            assertEquals(WalFrameDecoder.Stop.SALT_MISMATCH, fresh.scan().stop(),
                    "stale lifetime-1 frames after lifetime 2 are not returned");

            assertTrue(assertOldReadersNeverCrossIntoTheNewLifetime(f2, wal1, l1, l2.end()) > 0,
                    "old positions past lifetime 2's end still read lifetime 1's own (stale) commits");

            // lifetime 2 grows past where lifetime 1 ended
            while (r.walBytes().length <= wal1.length + 2L * r.frameSize()) {
                r.tx(c -> WalFixtures.insertAuto(c, WalFixtures.blob(rnd, 3000)));
            }
            assertEquals(2, r.lifetimes().size());
            byte[] wal2b = r.walBytes();
            Path f2b = writeWal("wal2b", wal2b);
            Result whole = scanAll(f2b, WalPosition.start(h2));
            assertScan(l2.commits(), whole, wal2b);
            assertEquals(WalFrameDecoder.Stop.END_OF_INPUT, whole.scan().stop());
            assertEquals(wal2b.length, l2.end());

            // a reader that had read all of lifetime 1 now finds lifetime-2 frames at its offset
            Result atOldEnd = scanAll(f2b, WalFixtures.position(h1, wal1, l1.end()));
            assertScan(List.of(), atOldEnd, wal2b);
            assertEquals(WalFrameDecoder.Stop.SALT_MISMATCH, atOldEnd.scan().stop());
            assertOldReadersNeverCrossIntoTheNewLifetime(f2b, wal1, l1, l2.end());

            // a second restart: lifetime 3 is one transaction long, followed by lifetime-2 frames
            ck = r.pragmaRow("PRAGMA wal_checkpoint(RESTART)");
            assertEquals(0, ck[0]);
            r.exec("INSERT INTO t(v) VALUES (x'0c')");
            assertEquals(3, r.lifetimes().size());
            Lifetime l3 = r.current();
            byte[] wal3 = r.walBytes();
            assertNotEquals(l2.header().saltHex(), l3.header().saltHex());
            Path f3 = writeWal("wal3", wal3);
            Result r3 = scanAll(f3, WalPosition.start(l3.header()));
            assertScan(l3.commits(), r3, wal3);
            assertEquals(1, r3.commits().size());
            assertEquals(WalFrameDecoder.Stop.SALT_MISMATCH, r3.scan().stop());
            assertOldReadersNeverCrossIntoTheNewLifetime(f3, wal2b, l2, l3.end());
            // lifetime-1 positions: everything at their offsets now belongs to lifetime 2 or 3
            for (WalPosition p : positions(l1, wal1)) {
                Result res = scanAll(f3, p);
                assertScan(List.of(), res, wal3);
                assertTrue(LIFETIME_STOPS.contains(res.scan().stop()) || p.offset() >= wal3.length,
                        () -> "stop " + res.scan().stop() + " at " + p.offset());
            }
        }
    }

    @Test
    void truncateCheckpointEmptiesTheWalThenANewLifetimeBegins() throws Exception {
        try (Recorder r = new Recorder(tmp.resolve("b.db"), PAGE)) {
            Random rnd = new Random(2);
            WalFixtures.randomWorkload(r, rnd, 10, false);
            Lifetime l1 = r.current();
            byte[] wal1 = r.walBytes();

            long[] ck = r.pragmaRow("PRAGMA wal_checkpoint(TRUNCATE)");
            assertEquals(0, ck[0]);
            assertEquals(0, r.walBytes().length, "TRUNCATE leaves an empty WAL");
            WalReader reader = new WalReader(r.wal);
            assertTrue(reader.readHeader().isEmpty());
            assertEquals(0, reader.size());
            for (WalPosition p : positions(l1, wal1)) {
                Result res = scanAll(r.wal, p);
                assertScan(List.of(), res, wal1);
                assertEquals(WalFrameDecoder.Stop.END_OF_INPUT, res.scan().stop());
            }

            for (int i = 0; i < 4; i++) {
                int n = 1 + i * 3;
                r.tx(c -> {
                    for (int j = 0; j < n; j++) {
                        WalFixtures.insertAuto(c, WalFixtures.blob(rnd, 900));
                    }
                });
            }
            assertEquals(2, r.lifetimes().size());
            Lifetime l2 = r.current();
            byte[] wal2 = r.walBytes();
            assertNotEquals(l1.header().saltHex(), l2.header().saltHex());
            assertEquals(wal2.length, l2.end());
            Path f2 = writeWal("wal2", wal2);
            Result fresh = scanAll(f2, WalPosition.start(l2.header()));
            assertScan(l2.commits(), fresh, wal2);
            assertEquals(WalFrameDecoder.Stop.END_OF_INPUT, fresh.scan().stop());
            assertOldReadersNeverCrossIntoTheNewLifetime(f2, wal1, l1, l2.end());
        }
    }

    @Test
    void passiveCheckpointRestartsTheLogOnlyWhenNoReaderUsesIt() throws Exception {
        Path db = tmp.resolve("c.db");
        try (Recorder r = new Recorder(db, PAGE);
                Connection other = DriverManager.getConnection("jdbc:sqlite:" + db)) {
            Random rnd = new Random(3);
            WalFixtures.randomWorkload(r, rnd, 6, false);
            Lifetime l1 = r.current();
            WalPosition oldEnd = WalFixtures.position(l1.header(), r.walBytes(), l1.end());
            int before = l1.commits().size();

            // another connection holds a read transaction: the log may be checkpointed but not restarted
            other.setAutoCommit(false);
            try (Statement st = other.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM t")) {
                rs.next();
            }
            long[] ck = r.pragmaRow("PRAGMA wal_checkpoint(PASSIVE)");
            assertEquals(ck[1], ck[2], "everything backfilled");
            r.exec("INSERT INTO t(v) VALUES (x'aa')");
            assertEquals(1, r.lifetimes().size(), "a reader on the WAL prevents the restart");
            byte[] walA = r.walBytes();
            Result cont = scanAll(writeWal("walA", walA), oldEnd);
            assertScan(l1.commits().subList(before, before + 1), cont, walA);
            assertEquals(WalFrameDecoder.Stop.END_OF_INPUT, cont.scan().stop());
            other.commit();
            other.setAutoCommit(true);

            // nobody reads: after a complete checkpoint the next write restarts the log
            ck = r.pragmaRow("PRAGMA wal_checkpoint(PASSIVE)");
            assertEquals(0, ck[0]);
            assertEquals(ck[1], ck[2]);
            r.exec("INSERT INTO t(v) VALUES (x'bb')");
            assertEquals(2, r.lifetimes().size(), "the write after a full checkpoint restarts the WAL");
            Lifetime l2 = r.current();
            byte[] walB = r.walBytes();
            Path fb = writeWal("walB", walB);
            Result fresh = scanAll(fb, WalPosition.start(l2.header()));
            assertScan(l2.commits(), fresh, walB);
            assertEquals(WalFrameDecoder.Stop.SALT_MISMATCH, fresh.scan().stop());
            assertOldReadersNeverCrossIntoTheNewLifetime(fb, walA, l1, l2.end());
        }
    }

    /**
     * For every commit boundary of the old lifetime: a reader positioned there either finds a
     * new-lifetime frame at its offset and stops without returning anything (SALT_MISMATCH or
     * CHECKSUM_MISMATCH), or - when its offset lies past the new lifetime's end - it may read on,
     * but only the old lifetime's own committed transactions, byte-identical to the old WAL and
     * carrying the old salts. No returned frame ever comes from the new lifetime.
     */
    private static int assertOldReadersNeverCrossIntoTheNewLifetime(Path file, byte[] oldWal, Lifetime old,
                                                                   long newEnd) throws Exception {
        byte[] now = Files.readAllBytes(file);
        int fs = old.header().frameSize();
        int insideNew = 0;
        int readStaleOldFrames = 0;
        for (WalPosition p : positions(old, oldWal)) {
            Result res = scanAll(file, p);
            if (p.offset() < newEnd) {
                insideNew++;
                assertScan(List.of(), res, now);
                assertTrue(LIFETIME_STOPS.contains(res.scan().stop()),
                        () -> "stop " + res.scan().stop() + " at " + p.offset());
            } else {
                List<Tx> rest = between(old.commits(), p.offset(), now.length);
                assertScan(rest, res, oldWal);
                if (!rest.isEmpty()) {
                    readStaleOldFrames++;
                }
                for (long off = p.offset(); off < res.scan().end().offset(); off += fs) {
                    assertEquals(old.header().salt1(), WalFixtures.beInt(now, (int) off + 8));
                    assertEquals(old.header().salt2(), WalFixtures.beInt(now, (int) off + 12));
                }
            }
        }
        assertTrue(insideNew > 0, "no old position fell inside the new lifetime: test is vacuous");
        return readStaleOldFrames;
    }

    private static List<WalPosition> positions(Lifetime l, byte[] wal) {
        List<WalPosition> ps = new ArrayList<>();
        ps.add(WalPosition.start(l.header()));
        for (Tx t : l.commits()) {
            ps.add(WalFixtures.position(l.header(), wal, t.endOffset()));
        }
        return ps;
    }

    private Path writeWal(String name, byte[] bytes) throws Exception {
        return WalFixtures.write(tmp.resolve("copies").resolve(name + "-wal"), bytes);
    }
}
