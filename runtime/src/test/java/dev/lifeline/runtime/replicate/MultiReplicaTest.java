package dev.lifeline.runtime.replicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lifeline.runtime.format.ReplicaLayout;
import dev.lifeline.runtime.replica.FileReplicaClient;
import dev.lifeline.runtime.replica.ReplicaClient;
import dev.lifeline.runtime.restore.RestoreOptions;
import dev.lifeline.runtime.restore.Restorer;
import dev.lifeline.runtime.ship.ReplicaStatus;
import dev.lifeline.runtime.verify.Verifier;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two replicas, one of which goes down for a while: nothing is lost and no gap appears. */
class MultiReplicaTest {

    @TempDir
    Path dir;

    private Path db;
    private FileReplicaClient a;
    private SwitchableReplica b;

    private ReplicatorConfig config() {
        db = dir.resolve("app.db");
        a = new FileReplicaClient(dir.resolve("replica-a"));
        b = new SwitchableReplica(dir.resolve("replica-b"));
        return ReplicatorConfig.defaults(db, List.of(a, b)).withCheckpointFrames(30, 120)
                .withPollInterval(Duration.ofMillis(5));
    }

    private void assertReplicaEqualsSource(ReplicaClient replica, String name) throws Exception {
        Path out = dir.resolve("restored-" + name + ".db");
        new Restorer(replica, new ReplicaLayout("")).restore(RestoreOptions.latest(out));
        assertEquals(TestDb.rows(db), TestDb.rows(out), "replica " + name + " restores the source");
        assertTrue(new Verifier(replica, new ReplicaLayout("")).verify().ok(), "replica " + name + " verifies");
    }

    /** Polls a condition on the replicator's status; fails with the last status seen. */
    static void waitUntil(Duration max, java.util.function.BooleanSupplier condition, Replicator r)
            throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not reached within " + max + "; status: " + r.status());
            }
            Thread.sleep(20);
        }
    }

    private static Thread writer(Path db, AtomicBoolean stop) {
        Thread t = new Thread(() -> {
            try (TestDb w = new TestDb(db)) {
                while (!stop.get()) {
                    w.insert(1);
                    Thread.sleep(2);
                }
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        t.start();
        return t;
    }

    @Test
    void aReplicaOutageIsSpooledThenDrainedWhileTheDatabaseKeepsCheckpointing() throws Exception {
        ReplicatorConfig cfg = config();
        try (TestDb t = new TestDb(db)) {
            t.insert(5);
        }
        Replicator r = new Replicator(cfg);
        r.start();
        AtomicBoolean stop = new AtomicBoolean();
        Thread w = writer(db, stop);
        waitUntil(Duration.ofSeconds(30), () -> r.status().txid() > 20, r);
        b.down.set(true);
        long checkpointsBefore = r.status().checkpoints();
        waitUntil(Duration.ofSeconds(60), () -> r.status().checkpoints() > checkpointsBefore + 2
                && r.status().spoolBytes() > 0, r);
        ReplicaStatus bs = r.status().replicas().get(1);
        assertNotNull(bs.failingSince(), "status says since when replica b fails: " + bs);
        assertTrue(bs.lastError().contains("connection refused"), bs.lastError());
        assertTrue(bs.lagTxids() > 0, "status says how far b is behind: " + bs);
        b.down.set(false);
        waitUntil(Duration.ofSeconds(60), () -> r.status().replicas().get(1).lagTxids() == 0
                && r.status().spoolBytes() == 0, r);
        stop.set(true);
        w.join();
        assertTrue(r.stop(Duration.ofSeconds(30)));
        assertEquals(1, r.status().generationsStarted(), "the outage caused no new generation");
        assertReplicaEqualsSource(a, "a");
        assertReplicaEqualsSource(b, "b");
    }

    @Test
    void aFullSpoolPausesReplicationWithoutLosingAnything() throws Exception {
        ReplicatorConfig cfg = config().withSpool(dir.resolve("spool"), 64 * 1024);
        Replicator r = new Replicator(cfg);
        try (TestDb t = new TestDb(db)) {
            t.insert(3);
            r.start();
            waitUntil(Duration.ofSeconds(30), () -> r.status().txid() >= 3, r);
            b.down.set(true);
            t.insert(60);
            waitUntil(Duration.ofSeconds(30), () -> r.status().spoolBytes() >= 64 * 1024, r);
            t.insert(5);
            waitUntil(Duration.ofSeconds(30), () -> r.status().lastError() != null
                    && r.status().lastError().contains("spool") && r.status().lastError().contains("full"), r);
            long pausedAt = r.status().txid();
            long checkpoints = r.status().checkpoints();
            t.insert(20);
            Thread.sleep(300);
            assertEquals(pausedAt, r.status().txid(), "nothing advances while the spool is full");
            assertEquals(checkpoints, r.status().checkpoints(), "no checkpoint while frames are not spooled");
            b.down.set(false);
            waitUntil(Duration.ofSeconds(60), () -> r.status().txid() >= pausedAt + 20
                    && r.status().replicas().get(1).lagTxids() == 0, r);
        }
        assertTrue(r.stop(Duration.ofSeconds(30)));
        assertReplicaEqualsSource(a, "a");
        assertReplicaEqualsSource(b, "b");
    }

    @Test
    void aBacklogSurvivesARestartOfTheReplicator() throws Exception {
        ReplicatorConfig cfg = config();
        try (TestDb t = new TestDb(db)) {
            t.insert(5);
            Replicator r1 = new Replicator(cfg);
            r1.open();
            r1.syncOnce();
            String gen = r1.status().generation();
            b.down.set(true);
            t.insert(10);
            try {
                r1.syncOnce();
            } catch (java.io.IOException expected) {
                // b is down: the segment is in a and in the spool.
            }
            r1.stop(Duration.ofSeconds(5));
            assertTrue(r1.status().spoolBytes() > 0, "backlog spooled: " + r1.status());
            b.down.set(false);
            t.insert(5);
            // b's lease could not be released while it was down: the restarted replicator takes
            // it over, as an operator would with --takeover after a crash.
            Replicator r2 = new Replicator(cfg.withLease(Duration.ofSeconds(30), true));
            r2.open();
            r2.syncOnce();
            assertEquals(gen, r2.status().generation(), "the spool lets b continue the same generation");
            r2.stop(Duration.ofSeconds(5));
        }
        assertReplicaEqualsSource(a, "a");
        assertReplicaEqualsSource(b, "b");
    }
}
