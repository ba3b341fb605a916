package dev.lifeline.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lifeline.runtime.catalog.GenerationInfo;
import dev.lifeline.runtime.catalog.ReplicaCatalog;
import dev.lifeline.runtime.catalog.SegmentEntry;
import dev.lifeline.runtime.format.CommitRecord;
import dev.lifeline.runtime.format.ReplicaLayout;
import dev.lifeline.runtime.replica.FileReplicaClient;
import dev.lifeline.runtime.replicate.Replicator;
import dev.lifeline.runtime.restore.RestoreOptions;
import dev.lifeline.runtime.restore.RestoreResult;
import dev.lifeline.runtime.restore.RestoreTarget;
import dev.lifeline.runtime.verify.VerifyReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replicate under concurrent writers, then restore at many points and compare each with the
 * source at the same commit. Writers log, after every commit, how many rows the database then
 * held; every restored database must be exactly one of those states (rows 1..k for a logged k,
 * identical to the source's first k rows, counters consistent, integrity_check ok), states must
 * follow the txid order one commit at a time, time targets must respect when commits happened,
 * and the latest restore must equal the source once the replicator has stopped.
 */
class ConcurrentReplicateRestoreTest {

    @Test
    void everyRestoredPointIsAStateTheSourcePassedThrough(@TempDir Path dir) throws Exception {
        Path db = dir.resolve("agent.db");
        Path replica = dir.resolve("replica");
        Workload.createSchema(db);
        Replicator rep = new Replicator(Lifeline.config(db, replica).withPollInterval(Duration.ofMillis(10))
                .withCheckpointFrames(100, 400));
        rep.start();
        Lifeline.awaitGeneration(rep, Duration.ofSeconds(30));
        Workload w = new Workload(db, Workload.Options.defaults().threads(4).maxBatch(3).overflowEvery(30).rate(100))
                .start();
        List<Instant> probes = new ArrayList<>();
        try {
            while (w.transactions() < 2000) {
                Thread.sleep(600);
                probes.add(Instant.now());
            }
        } finally {
            w.stop();
        }
        assertTrue(rep.stop(Duration.ofSeconds(60)), "replicator did not stop");
        assertNull(rep.status().lastError(), "replicator reported an error");
        List<Workload.Commit> commits = w.commits();
        TreeSet<Long> states = new TreeSet<>();
        states.add(0L);
        commits.forEach(c -> states.add(c.lastSeq()));

        // Latest equals the source after the replicator stopped.
        Path latestOut = dir.resolve("latest.db");
        RestoreResult latest = Lifeline.restore(replica, latestOut, new RestoreTarget.Latest());
        assertFalse(latest.stoppedEarly(), String.valueOf(latest.problem()));
        assertEquals(rep.status().txid(), latest.txid());
        assertEquals(w.lastSeq(), Sqlite.checkState(latestOut).rows());
        assertEquals(Sqlite.dump(db), Sqlite.dump(latestOut), "latest restore differs from the source");
        VerifyReport report = Lifeline.verify(replica);
        assertTrue(report.ok(), report.toString());
        assertEquals(latest.txid(), report.generations().get(0).lastGoodTxid());

        // Every commit the replica recorded, in txid order.
        GenerationInfo g = new ReplicaCatalog(new FileReplicaClient(replica), new ReplicaLayout("")).latest().orElseThrow();
        TreeMap<Long, CommitRecord> recorded = new TreeMap<>();
        TreeMap<Long, Integer> indexOf = new TreeMap<>();
        for (SegmentEntry s : g.segments()) {
            for (CommitRecord c : s.meta().commits()) {
                recorded.put(c.txid(), c);
                indexOf.put(c.txid(), s.index());
            }
        }
        assertTrue(new TreeSet<>(indexOf.values()).size() >= 3, "expected several WAL restarts: " + indexOf.values());
        long first = recorded.firstKey();
        long last = recorded.lastKey();
        assertEquals(latest.txid(), last);

        TreeSet<Long> txids = new TreeSet<>();
        txids.add(first);
        txids.add(last);
        for (int i = 1; i < 8; i++) {
            txids.add(first + (last - first) * i / 8);
        }
        long mid = (first + last) / 2;
        for (long t = mid; t < mid + 6 && t <= last; t++) {
            txids.add(t);
        }
        // Both sides of the first two WAL restarts.
        int boundaries = 0;
        for (Map.Entry<Long, Integer> e : indexOf.entrySet()) {
            Map.Entry<Long, Integer> next = indexOf.higherEntry(e.getKey());
            if (next != null && !next.getValue().equals(e.getValue()) && boundaries++ < 2) {
                txids.add(e.getKey());
                txids.add(next.getKey());
            }
        }

        Map<Long, Long> rowsAt = new TreeMap<>();
        long prevRows = -1;
        long prevTxid = -1;
        for (long t : txids) {
            Path out = dir.resolve("txid-" + t + ".db");
            RestoreResult r = Lifeline.restore(replica, new RestoreOptions(out, null, new RestoreTarget.Txid(t), false,
                    "quick"));
            assertEquals(t, r.txid());
            assertFalse(r.stoppedEarly());
            long rows = Sqlite.checkState(out).rows();
            assertTrue(states.contains(rows), "txid " + t + " restored " + rows + " rows, which no commit produced");
            Sqlite.assertSameRows(db, out, rows);
            assertTrue(rows >= prevRows, "states go backwards: txid " + prevTxid + " had " + prevRows + ", txid " + t
                    + " has " + rows);
            if (prevTxid == t - 1) {
                Long next = states.higher(prevRows);
                assertTrue(rows == prevRows || next != null && rows == next, "txid " + prevTxid + " -> " + t
                        + " went from " + prevRows + " to " + rows + " rows, skipping a commit");
            }
            rowsAt.put(t, rows);
            prevRows = rows;
            prevTxid = t;
            Files.delete(out);
        }
        assertEquals(w.lastSeq(), rowsAt.get(last));

        // Times the replica recorded: the restore lands on the last commit recorded at or before them.
        for (long t : List.of(first, txids.higher(first), mid, last)) {
            Instant at = recorded.get(t).time();
            Path out = dir.resolve("time-" + t + ".db");
            RestoreResult r = Lifeline.restore(replica, out, new RestoreTarget.Timestamp(at));
            assertTrue(r.txid() >= t, "time " + at + " of txid " + t + " restored txid " + r.txid());
            assertFalse(r.time().isAfter(at), "restored a commit recorded after the target time");
            CommitRecord after = recorded.higherEntry(r.txid()) == null ? null : recorded.higherEntry(r.txid()).getValue();
            assertTrue(after == null || after.time().isAfter(at), "stopped before a commit recorded at " + after);
            long rows = Sqlite.checkState(out).rows();
            assertTrue(states.contains(rows));
            Sqlite.assertSameRows(db, out, rows);
            Files.delete(out);
        }

        // Wall-clock times taken while the writers ran: the state holds every commit that finished well
        // before, and none that had not started.
        for (Instant p : probes) {
            Path out = dir.resolve("probe-" + p.toEpochMilli() + ".db");
            Lifeline.restore(replica, out, new RestoreTarget.Timestamp(p));
            long rows = Sqlite.checkState(out).rows();
            assertTrue(states.contains(rows));
            Sqlite.assertSameRows(db, out, rows);
            long upper = commits.stream().filter(c -> !c.beforeCommitAt().isAfter(p)).mapToLong(Workload.Commit::lastSeq)
                    .max().orElse(0);
            long lower = commits.stream().filter(c -> c.committedAt().isBefore(p.minusSeconds(3)))
                    .mapToLong(Workload.Commit::lastSeq).max().orElse(0);
            assertTrue(rows <= upper, "time " + p + " restored " + rows + " rows, but only " + upper
                    + " had begun committing by then");
            assertTrue(rows >= lower, "time " + p + " restored " + rows + " rows, but " + lower
                    + " had committed 3 s before");
            Files.delete(out);
        }
    }
}
