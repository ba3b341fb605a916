package dev.lifeline.runtime.replicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lifeline.runtime.catalog.GenerationInfo;
import dev.lifeline.runtime.catalog.ReplicaCatalog;
import dev.lifeline.runtime.format.ReplicaLayout;
import dev.lifeline.runtime.replica.FileReplicaClient;
import dev.lifeline.runtime.restore.RestoreException;
import dev.lifeline.runtime.restore.RestoreOptions;
import dev.lifeline.runtime.restore.RestoreResult;
import dev.lifeline.runtime.restore.RestoreTarget;
import dev.lifeline.runtime.restore.Restorer;
import dev.lifeline.runtime.verify.Verifier;
import dev.lifeline.runtime.verify.VerifyReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplicateRestoreTest {

    @TempDir
    Path dir;

    private FileReplicaClient replica() {
        return new FileReplicaClient(dir.resolve("replica"));
    }

    /** One replication pass, then a clean stop; returns the generation it wrote to. */
    private String replicateOnce(Path db) throws Exception {
        Replicator r = new Replicator(ReplicatorConfig.defaults(db, replica()));
        r.open();
        r.syncOnce();
        String gen = r.status().generation();
        r.stop(Duration.ofSeconds(5));
        return gen;
    }

    private void assertRestoresTo(Path db) throws Exception {
        Path out = dir.resolve("restored-" + System.nanoTime() + ".db");
        restore(new RestoreTarget.Latest(), out);
        assertEquals(TestDb.rows(db), TestDb.rows(out));
        assertEquals("ok", TestDb.integrity(out));
    }

    private RestoreResult restore(RestoreTarget target, Path out) throws Exception {
        return new Restorer(replica(), new ReplicaLayout(""))
                .restore(new RestoreOptions(out, null, target, false, "full"));
    }

    @Test
    void snapshotThenSegmentsRestoreToLatest() throws Exception {
        Path db = dir.resolve("app.db");
        try (TestDb t = new TestDb(db)) {
            t.insert(20);
            replicateOnce(db);
            t.insert(30);
            replicateOnce(db);
            Path out = dir.resolve("restored.db");
            RestoreResult res = restore(new RestoreTarget.Latest(), out);
            assertEquals(TestDb.rows(db), TestDb.rows(out));
            assertEquals("ok", TestDb.integrity(out));
            assertTrue(res.txid() >= 31, "txid counts every commit: " + res.txid());
        }
    }

    @Test
    void aLargeWalAtGenerationStartShipsAsSeveralSegmentsBehindItsSnapshot() throws Exception {
        Path db = dir.resolve("app.db");
        try (TestDb t = new TestDb(db)) {
            t.exec("PRAGMA wal_autocheckpoint=0");
            t.insert(200);
            Replicator r = new Replicator(ReplicatorConfig.defaults(db, replica()).withMaxSegmentBytes(64 * 1024));
            r.open();
            r.syncOnce();
            assertTrue(r.status().segmentsShipped() > 3, "several segments: " + r.status());
            t.insert(10);
            r.syncOnce();
            r.stop(Duration.ofSeconds(5));
            VerifyReport v = new Verifier(replica(), new ReplicaLayout("")).verify();
            assertTrue(v.ok(), v.toString());
            assertRestoresTo(db);
            // The snapshot alone (as Litestream would use it after a crash) is the state at its txid.
            GenerationInfo g = new ReplicaCatalog(replica(), new ReplicaLayout("")).latest().orElseThrow();
            long snapTxid = g.snapshots().get(0).meta().txid();
            Path out = dir.resolve("at-snapshot.db");
            restore(new RestoreTarget.Txid(snapTxid), out);
            assertEquals(200, TestDb.rows(out).size());
        }
    }

    /**
     * Regression: the snapshot once opened and closed the database file, which drops every POSIX
     * lock this process holds on it (SQLite's included); a writer process closing its connection
     * then thought it was the last one and deleted the WAL under the replicator.
     */
    @Test
    void writerProcessesThatCloseDoNotDeleteTheWalUnderTheReplicator() throws Exception {
        Path db = dir.resolve("cli.db");
        sqlite3(db, "PRAGMA journal_mode=WAL; CREATE TABLE t (id INTEGER PRIMARY KEY, seq INTEGER, payload BLOB);");
        Replicator r = new Replicator(ReplicatorConfig.defaults(db, replica()));
        r.open();
        r.syncOnce();
        String gen = r.status().generation();
        for (int i = 1; i <= 5; i++) {
            sqlite3(db, "INSERT INTO t (seq, payload) VALUES (" + i + ", randomblob(100));");
            assertTrue(Files.exists(Path.of(db + "-wal")), "the WAL survives the writer's exit");
            r.syncOnce();
        }
        assertEquals(gen, r.status().generation(), "one unbroken generation");
        r.stop(Duration.ofSeconds(5));
        assertRestoresTo(db);
    }

    private static void sqlite3(Path db, String sql) throws Exception {
        Process p = new ProcessBuilder("sqlite3", db.toString(), sql).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), "sqlite3 failed: " + out);
    }

    @Test
    void snapshotsInsideAGenerationShortenRestoresAndKeepEveryPointRestorable() throws Exception {
        Path db = dir.resolve("app.db");
        try (TestDb t = new TestDb(db)) {
            Replicator r = new Replicator(ReplicatorConfig.defaults(db, replica()).withCheckpointFrames(20, 60)
                    .withSnapshotInterval(Duration.ZERO).withPollInterval(Duration.ofMillis(5)));
            r.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (r.status().index() < 4 && System.nanoTime() < deadline) {
                t.insert(1);
            }
            assertTrue(r.stop(Duration.ofSeconds(20)));
            assertEquals(1, r.status().generationsStarted());
            GenerationInfo g = new ReplicaCatalog(replica(), new ReplicaLayout("")).latest().orElseThrow();
            assertTrue(g.snapshots().size() >= 3, "snapshots at new indexes: " + g.snapshots().size());
            assertTrue(new Verifier(replica(), new ReplicaLayout("")).verify().ok());
            assertRestoresTo(db);
            // Every commit from the first snapshot on restores exactly: one row per insert, and the
            // table was txid 1 (the commits before the replicator's first pass are in its snapshot).
            long last = g.lastTxid();
            long first = g.snapshots().get(0).meta().txid();
            for (long txid = first; txid <= last; txid += Math.max(1, (last - first) / 9)) {
                Path out = dir.resolve("pit-" + txid + ".db");
                restore(new RestoreTarget.Txid(txid), out);
                List<String> rows = TestDb.rows(out);
                assertEquals(txid - 1, rows.size(), "rows at txid " + txid);
                if (!rows.isEmpty()) {
                    assertEquals(Long.toString(txid - 1), rows.get(rows.size() - 1).split(":")[1],
                            "the last row at txid " + txid + " is seq " + (txid - 1));
                }
            }
        }
    }

    @Test
    void pointInTimeByTxidLandsOnThatCommit() throws Exception {
        Path db = dir.resolve("app.db");
        try (TestDb t = new TestDb(db)) {
            Replicator r = new Replicator(ReplicatorConfig.defaults(db, replica()));
            r.open();
            r.syncOnce();
            long base = r.status().txid();
            List<Long> txidAfter = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                t.insert(1);
                r.syncOnce();
                txidAfter.add(r.status().txid());
            }
            r.stop(Duration.ofSeconds(5));
            for (int i = 0; i < 10; i += 3) {
                Path out = dir.resolve("pit-" + i + ".db");
                restore(new RestoreTarget.Txid(txidAfter.get(i)), out);
                assertEquals(i + 1, TestDb.rows(out).size(), "rows at txid " + txidAfter.get(i) + " (base " + base + ")");
            }
        }
    }

    @Test
    void concurrentWritersAcrossWalRestartsRestoreExactly() throws Exception {
        Path db = dir.resolve("app.db");
        try (TestDb t = new TestDb(db)) {
            ReplicatorConfig cfg = ReplicatorConfig.defaults(db, replica()).withCheckpointFrames(40, 150)
                    .withPollInterval(Duration.ofMillis(5));
            Replicator r = new Replicator(cfg);
            r.start();
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < 3; w++) {
                Path p = db;
                Thread th = new Thread(() -> {
                    try (TestDb own = new TestDb(p)) {
                        while (!stop.get()) {
                            own.insert(1);
                        }
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                });
                th.start();
                writers.add(th);
            }
            // Write until the WAL has restarted a few times (disk speed varies: bound it in time).
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            Thread.sleep(1500);
            while (r.status().index() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            stop.set(true);
            for (Thread th : writers) {
                th.join();
            }
            assertTrue(r.stop(Duration.ofSeconds(20)));
            assertTrue(r.status().checkpoints() > 0, "checkpoints ran: " + r.status());
            // Usually one generation; under this extreme churn (a restart every ~150 frames, three
            // unthrottled writers) the restart proof can fail and start a new one: detected, never
            // a loss (docs/ARCHITECTURE.md, known limits). What must hold is below.
            assertTrue(r.status().generationsStarted() <= 3, "WAL restarts mostly continue a generation: "
                    + r.status());
            GenerationInfo g = new ReplicaCatalog(replica(), new ReplicaLayout("")).latest().orElseThrow();
            assertTrue(g.segments().stream().mapToInt(s -> s.index()).max().orElse(0) >= 1,
                    "the WAL restarted at least once: " + r.status() + " " + g.segments().stream()
                            .map(s -> s.name()).toList());
            assertRestoresTo(db);
            VerifyReport v = new Verifier(replica(), new ReplicaLayout("")).verify();
            assertTrue(v.ok(), v.toString());
        }
    }

    @Test
    void resumesTheSameGenerationAfterARestart() throws Exception {
        Path db = dir.resolve("app.db");
        try (TestDb t = new TestDb(db)) {
            t.insert(5);
            String gen = replicateOnce(db);
            t.insert(5);
            assertEquals(gen, replicateOnce(db));
            assertRestoresTo(db);
        }
    }

    @Test
    void newGenerationWhenTheWalWasResetWhileNotReplicating() throws Exception {
        Path db = dir.resolve("app.db");
        try (TestDb t = new TestDb(db)) {
            t.insert(5);
            String gen = replicateOnce(db);
            t.insert(5);
            t.exec("PRAGMA wal_checkpoint(TRUNCATE)");
            t.insert(5);
            assertNotEquals(gen, replicateOnce(db));
            assertRestoresTo(db);
        }
    }

    @Test
    void rollbackJournalDatabaseIsRefusedUnlessConversionIsAllowed() throws Exception {
        Path db = dir.resolve("rj.db");
        try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db); var s = c.createStatement()) {
            s.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, seq INTEGER, payload BLOB)");
            s.execute("INSERT INTO t (seq) VALUES (1)");
        }
        Replicator r = new Replicator(ReplicatorConfig.defaults(db, replica()));
        var e = assertThrows(java.io.IOException.class, r::open);
        assertTrue(e.getMessage().contains("journal mode"), e.getMessage());
        assertTrue(e.getMessage().contains("--convert-to-wal"), e.getMessage());
        Replicator ok = new Replicator(ReplicatorConfig.defaults(db, replica()).withConvertToWal(true));
        ok.open();
        ok.syncOnce();
        ok.stop(Duration.ofSeconds(5));
        assertRestoresTo(db);
    }

    @Test
    void damagedSegmentStopsRestoreAtTheLastVerifiedCommit() throws Exception {
        Path db = dir.resolve("app.db");
        try (TestDb t = new TestDb(db)) {
            Replicator r = new Replicator(ReplicatorConfig.defaults(db, replica()));
            r.open();
            r.syncOnce();
            for (int i = 0; i < 6; i++) {
                t.insert(1);
                r.syncOnce();
            }
            r.stop(Duration.ofSeconds(5));
        }
        List<Path> segs;
        try (Stream<Path> s = Files.walk(dir.resolve("replica/generations"))) {
            segs = s.filter(p -> p.toString().endsWith(".wal.lz4")).sorted().toList();
        }
        Path victim = segs.get(segs.size() - 3);
        byte[] b = Files.readAllBytes(victim);
        b[b.length / 2] ^= 0x10;
        Files.write(victim, b);
        VerifyReport v = new Verifier(replica(), new ReplicaLayout("")).verify();
        assertTrue(!v.ok() && v.toString().contains(dir.resolve("replica").relativize(victim).toString()), v.toString());
        Path out = dir.resolve("restored.db");
        RestoreResult res = restore(new RestoreTarget.Latest(), out);
        assertTrue(res.stoppedEarly(), res.toString());
        assertEquals("ok", TestDb.integrity(out));
        assertTrue(TestDb.rows(out).size() < 6, "restored only up to the damage");
    }

    @Test
    void outputIsNeverOverwrittenWithoutForce() throws Exception {
        Path db = dir.resolve("app.db");
        try (TestDb t = new TestDb(db)) {
            t.insert(3);
            replicateOnce(db);
        }
        Path out = dir.resolve("exists.db");
        Files.writeString(out, "precious");
        assertThrows(RestoreException.class, () -> restore(new RestoreTarget.Latest(), out));
        assertEquals("precious", Files.readString(out));
    }
}
