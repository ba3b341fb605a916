package dev.lifeline.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lifeline.runtime.catalog.GenerationInfo;
import dev.lifeline.runtime.catalog.ReplicaCatalog;
import dev.lifeline.runtime.catalog.SegmentEntry;
import dev.lifeline.runtime.format.ReplicaLayout;
import dev.lifeline.runtime.replica.FileReplicaClient;
import dev.lifeline.runtime.replicate.Replicator;
import dev.lifeline.runtime.restore.RestoreTarget;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lifeline writes, the real Litestream 0.3.13 restores: a replica Lifeline made under concurrent
 * writes, across WAL restarts (several WAL indexes), is restored by {@code litestream restore}
 * into a database whose {@code .dump} equals the source's and that passes integrity_check; and
 * both tools agree on the state at the end of each WAL index.
 */
class LifelineToLitestreamTest {

    @Test
    void litestreamRestoresALifelineReplicaMadeUnderConcurrentWrites(@TempDir Path dir) throws Exception {
        Path db = dir.resolve("agent.db");
        Path replica = dir.resolve("replica");
        Workload.createSchema(db);
        Replicator rep = new Replicator(Lifeline.config(db, replica).withPollInterval(Duration.ofMillis(10))
                .withCheckpointFrames(50, 200));
        rep.start();
        Lifeline.awaitGeneration(rep, Duration.ofSeconds(30));
        Workload w = new Workload(db, Workload.Options.defaults().threads(3).maxBatch(4).overflowEvery(40).rate(150)).start();
        try {
            w.awaitTransactions(1200, Duration.ofSeconds(90));
        } finally {
            w.stop();
        }
        assertTrue(rep.stop(Duration.ofSeconds(60)), "replicator did not stop in time");
        assertEquals(null, rep.status().lastError(), "replicator reported an error");

        List<ReplicaFiles.Segment> segs = ReplicaFiles.segments(replica);
        assertEquals(1, ReplicaFiles.generations(replica).size(), "one generation expected: " + segs);
        TreeSet<Integer> indexes = new TreeSet<>(segs.stream().map(ReplicaFiles.Segment::index).toList());
        assertTrue(indexes.size() >= 2, "the workload should have restarted the WAL at least once, indexes: " + indexes
                + ", replicator " + rep.status());

        // Latest: litestream restore of the whole replica equals the source.
        Path out = dir.resolve("litestream-restored.db");
        Litestream.restore(replica, out).requireOk();
        assertEquals("ok", Sqlite.integrityCheckCli(out));
        assertEquals(Sqlite.dump(db), Sqlite.dump(out), "litestream's restore of the Lifeline replica differs from the source");
        assertEquals(w.lastSeq(), Sqlite.checkState(out).rows());

        // Point in time by WAL index: litestream -index N and Lifeline at the last txid of index N agree.
        List<GenerationInfo> gens = new ReplicaCatalog(new FileReplicaClient(replica), new ReplicaLayout("")).generations();
        GenerationInfo g = gens.get(0);
        long previousRows = -1;
        for (int index : new TreeSet<>(List.of(indexes.first(), indexes.higher(indexes.first()), indexes.last() - 1))) {
            long lastTxid = g.segments().stream().filter(s -> s.index() == index).map(SegmentEntry::meta)
                    .mapToLong(m -> m.lastTxid()).max().orElseThrow();
            Path ls = dir.resolve("ls-index-" + index + ".db");
            Litestream.restore(replica, ls, "-index", String.format("%08x", index)).requireOk();
            Path ll = dir.resolve("ll-index-" + index + ".db");
            assertEquals(lastTxid, Lifeline.restore(replica, ll, new RestoreTarget.Txid(lastTxid)).txid());
            Sqlite.State s = Sqlite.checkState(ls);
            assertEquals(Sqlite.dump(ll), Sqlite.dump(ls), "litestream -index " + index + " and Lifeline txid "
                    + lastTxid + " restore different states");
            Sqlite.assertSameRows(db, ls, s.rows());
            assertTrue(s.rows() >= previousRows, "states must move forward with the index");
            previousRows = s.rows();
        }
    }
}
