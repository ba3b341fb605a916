package dev.lifeline.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lifeline.runtime.restore.RestoreException;
import dev.lifeline.runtime.restore.RestoreOptions;
import dev.lifeline.runtime.restore.RestoreResult;
import dev.lifeline.runtime.restore.RestoreTarget;
import dev.lifeline.runtime.verify.VerifyReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real Litestream 0.3.13 writes, Lifeline restores: a replica made by {@code litestream
 * replicate} while an app writes is restored by Lifeline's Restorer (and by the CLI when its jar
 * is built) into a database equal to the source, and to earlier points: a txid counts the
 * commits from the start of the generation's first WAL index, so the state at txid t has at most
 * t rows and each next txid adds at most one row (one row per transaction here).
 */
class LitestreamToLifelineTest {

    /** One row per transaction, so row counts and commit counts can be compared. */
    private static final Workload.Options ONE_ROW_PER_TX = Workload.Options.defaults().threads(2).maxBatch(1)
            .overflowEvery(30);

    @Test
    void lifelineRestoresALitestreamReplicaToTheLatestAndEarlierPoints(@TempDir Path dir) throws Exception {
        Path db = dir.resolve("agent.db");
        Path replica = dir.resolve("replica");
        Workload.createSchema(db);
        // A small checkpoint threshold so Litestream's replica spans several WAL indexes after its one snapshot.
        Path cfg = Litestream.config(dir, db, replica, Litestream.settings("min-checkpoint-page-count", "200"),
                Litestream.settings("sync-interval", "100ms"));
        Workload w;
        Proc.Result stopped;
        try (Proc ls = Litestream.replicate(cfg)) {
            awaitSnapshot(replica, ls);
            w = new Workload(db, ONE_ROW_PER_TX).start();
            try {
                w.awaitTransactions(1200, Duration.ofSeconds(60));
            } finally {
                w.stop();
            }
            awaitRestorable(replica, dir, w.lastSeq(), Duration.ofSeconds(30));
            stopped = ls.terminate(Duration.ofSeconds(30));
        }
        assertTrue(stopped.exitCode() == 0 || stopped.exitCode() == 143, stopped.describe());
        TreeSet<Integer> indexes = new TreeSet<>(ReplicaFiles.segments(replica).stream()
                .map(ReplicaFiles.Segment::index).toList());
        assertTrue(indexes.size() >= 2, "expected Litestream's replica to span several WAL indexes: " + indexes);
        assertEquals(1, ReplicaFiles.snapshots(replica).size(), "one snapshot, at the generation's start");

        // Latest.
        Path out = dir.resolve("restored.db");
        RestoreResult latest = Lifeline.restore(replica, out, new RestoreTarget.Latest());
        assertEquals(false, latest.stoppedEarly(), String.valueOf(latest.problem()));
        assertEquals("ok", Sqlite.integrityCheckCli(out));
        assertEquals(Sqlite.dump(db), Sqlite.dump(out), "Lifeline's restore of the Litestream replica differs from the source");
        assertEquals(w.lastSeq(), Sqlite.checkState(out).rows());

        VerifyReport report = Lifeline.verify(replica);
        assertTrue(report.ok(), "Lifeline's verifier rejects a sound Litestream replica: " + report);
        assertEquals(latest.txid(), report.generations().get(0).lastGoodTxid(),
                "restore and verify disagree on the txid of the latest state");

        // Earlier points, by txid (commits counted from the start of the generation's first WAL index).
        checkTxidPoints(db, replica, dir, latest.txid(), w.lastSeq());

        // By time: now is the latest state; before the first snapshot there is nothing to restore.
        Path now = dir.resolve("now.db");
        Lifeline.restore(replica, now, new RestoreTarget.Timestamp(Instant.now()));
        assertEquals(w.lastSeq(), Sqlite.checkState(now).rows());
        assertThrows(RestoreException.class, () -> Lifeline.restore(replica, dir.resolve("never.db"),
                new RestoreTarget.Timestamp(Instant.now().minus(Duration.ofDays(1)))));

        // The CLI, when built, restores the same replica to the same database.
        if (Tools.agentJar().isPresent()) {
            Path cliOut = dir.resolve("cli-restored.db");
            Proc.run(Duration.ofMinutes(2), Lifeline.cli("restore", "--replica", "file://" + replica, "-o",
                    cliOut.toString())).requireOk();
            assertEquals(Sqlite.dump(db), Sqlite.dump(cliOut));
            long t = latest.txid() / 2;
            Path cliTxid = dir.resolve("cli-txid.db");
            Path apiTxid = dir.resolve("api-txid.db");
            Proc.run(Duration.ofMinutes(2), Lifeline.cli("restore", "--replica", replica.toString(), "-o",
                    cliTxid.toString(), "--txid", Long.toString(t))).requireOk();
            Lifeline.restore(replica, apiTxid, new RestoreTarget.Txid(t));
            assertEquals(Sqlite.dump(apiTxid), Sqlite.dump(cliTxid), "CLI --txid " + t + " and the API disagree");
            Proc.Result v = Proc.run(Duration.ofMinutes(2), Lifeline.cli("verify", "--replica", replica.toString(),
                    "--json"));
            assertEquals(0, v.exitCode(), v.describe());
            new ObjectMapper().readTree(v.stdout());
            Proc.Result gens = Proc.run(Duration.ofMinutes(2), Lifeline.cli("generations", "--replica",
                    replica.toString(), "--json")).requireOk();
            assertTrue(gens.stdout().contains(ReplicaFiles.generations(replica).get(0)), gens.describe());
        }
    }

    /**
     * Litestream with small checkpoint thresholds and periodic snapshots: the replica has several
     * WAL indexes and snapshots at later indexes. Lifeline must still count txids from the start
     * of the generation (so txid t holds at most t rows), and restore the latest state.
     *
     * <p>Regression: for snapshots without Lifeline metadata a txid target used to take the newest
     * snapshot and count commits from its index, so txid 1 restored hundreds of rows (or a
     * malformed image), and the latest state's txid disagreed with verify.
     */
    @Test
    void txidsCountFromTheGenerationStartWhenLitestreamSnapshotsAtLaterIndexes(@TempDir Path dir) throws Exception {
        Path db = dir.resolve("agent.db");
        Path replica = dir.resolve("replica");
        Workload.createSchema(db);
        Path cfg = Litestream.config(dir, db, replica,
                Litestream.settings("monitor-interval", "100ms", "min-checkpoint-page-count", "30"),
                Litestream.settings("sync-interval", "100ms", "snapshot-interval", "1s"));
        Workload w;
        try (Proc ls = Litestream.replicate(cfg)) {
            awaitSnapshot(replica, ls);
            w = new Workload(db, ONE_ROW_PER_TX.threads(1).rate(150)).start();
            try {
                Thread.sleep(5000);
            } finally {
                w.stop();
            }
            awaitRestorable(replica, dir, w.lastSeq(), Duration.ofSeconds(30));
            ls.terminate(Duration.ofSeconds(30));
        }
        List<ReplicaFiles.Snapshot> snaps = ReplicaFiles.snapshots(replica);
        TreeSet<Integer> indexes = new TreeSet<>(ReplicaFiles.segments(replica).stream()
                .map(ReplicaFiles.Segment::index).toList());
        assertTrue(indexes.size() >= 3, "expected Litestream to checkpoint into several WAL indexes: " + indexes);
        assertTrue(snaps.stream().anyMatch(s -> s.index() > 0), "expected a snapshot at a later index: " + snaps);

        Path out = dir.resolve("restored.db");
        RestoreResult latest = Lifeline.restore(replica, out, new RestoreTarget.Latest());
        assertEquals(w.lastSeq(), Sqlite.checkState(out).rows());
        assertEquals(Sqlite.dump(db, "rows", "counters", "head"), Sqlite.dump(out, "rows", "counters", "head"));

        // Lifeline's verifier counts the commits of the whole generation, from its first WAL index.
        VerifyReport report = Lifeline.verify(replica);
        assertTrue(report.ok(), report.toString());
        long generationTxids = report.generations().get(0).lastGoodTxid();
        assertTrue(generationTxids >= w.lastSeq(), "verify counts " + generationTxids + " commits for " + w.lastSeq()
                + " rows made by one commit each");
        // Restore must count the same way: txid t is the state after the generation's t-th commit.
        checkTxidPoints(db, replica, dir, generationTxids, w.lastSeq());
        assertEquals(generationTxids, latest.txid(), "restore and verify disagree on the txid of the latest state");
    }

    /** Restores txids 1..20 and a spread up to the latest; checks the prefix properties of each state. */
    private static void checkTxidPoints(Path db, Path replica, Path dir, long latestTxid, long rows) throws Exception {
        TreeSet<Long> txids = new TreeSet<>();
        for (long t = 1; t <= Math.min(20, latestTxid); t++) {
            txids.add(t);
        }
        for (int i = 1; i <= 8; i++) {
            long t = latestTxid * i / 8;
            txids.add(t);
            if (t > 1) {
                txids.add(t - 1);
            }
        }
        long prevTxid = -1;
        long prevRows = -1;
        List<String> notes = new ArrayList<>();
        for (long t : txids) {
            Path out = dir.resolve("txid-" + t + ".db");
            RestoreResult r;
            try {
                r = Lifeline.restore(replica, out, new RestoreTarget.Txid(t));
            } catch (RestoreException e) {
                throw new AssertionError("restore to txid " + t + " (of " + latestTxid + ") failed: " + e.getMessage()
                        + "; states so far (txid->rows): " + notes, e);
            }
            assertEquals(t, r.txid(), "restore to txid " + t + " reports txid " + r.txid());
            Sqlite.State s = Sqlite.checkState(out);
            Sqlite.assertSameRows(db, out, s.rows());
            notes.add(t + "->" + s.rows());
            assertTrue(s.rows() <= t, "txid " + t + " restored a state with " + s.rows() + " rows, but only " + t
                    + " commits can have happened by then, one row each: " + notes);
            if (prevTxid == t - 1) {
                assertTrue(s.rows() - prevRows == 0 || s.rows() - prevRows == 1,
                        "txid " + prevTxid + " -> " + t + " moved from " + prevRows + " to " + s.rows() + " rows: " + notes);
            }
            assertTrue(s.rows() >= prevRows, "states must move forward with the txid: " + notes);
            prevTxid = t;
            prevRows = s.rows();
            Files.delete(out);
        }
        assertEquals(rows, prevRows, "the latest txid holds every row");
        assertThrows(RestoreException.class, () -> Lifeline.restore(replica, dir.resolve("beyond.db"),
                new RestoreTarget.Txid(latestTxid + 1)));
    }

    static void awaitSnapshot(Path replica, Proc ls) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (ReplicaFiles.snapshots(replica).isEmpty()) {
            if (!ls.alive()) {
                throw new AssertionError("litestream exited: " + ls.stderr());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("litestream made no snapshot in 30 s: " + ls.stderr());
            }
            Thread.sleep(50);
        }
    }

    /** Polls until Lifeline restores a state with all {@code rows} rows from the replica. */
    static void awaitRestorable(Path replica, Path dir, long rows, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Path probe = dir.resolve("probe.db");
        String last = "nothing restored yet";
        while (System.nanoTime() < deadline) {
            try {
                Lifeline.restore(replica, new RestoreOptions(probe, null, new RestoreTarget.Latest(), true, "none"));
                long got = Sqlite.queryLong(probe, "SELECT count(*) FROM rows");
                if (got == rows) {
                    Files.deleteIfExists(probe);
                    Files.deleteIfExists(Path.of(probe + "-wal"));
                    Files.deleteIfExists(Path.of(probe + "-shm"));
                    return;
                }
                last = got + " of " + rows + " rows";
            } catch (IOException | java.sql.SQLException e) {
                last = e.toString();
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the replica did not catch up within " + timeout + ": " + last);
    }
}
