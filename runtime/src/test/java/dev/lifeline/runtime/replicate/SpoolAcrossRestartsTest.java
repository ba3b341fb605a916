package dev.lifeline.runtime.replicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lifeline.runtime.format.ReplicaLayout;
import dev.lifeline.runtime.replica.FileReplicaClient;
import dev.lifeline.runtime.replica.ReplicaClient;
import dev.lifeline.runtime.restore.RestoreOptions;
import dev.lifeline.runtime.restore.Restorer;
import dev.lifeline.runtime.verify.Verifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spool outlives a replicator: its cursors persist while the entries every replica has are
 * deleted. A replicator started on a spool that an earlier outage filled and then emptied must
 * still queue, drain and count a new outage's entries correctly.
 */
class SpoolAcrossRestartsTest {

    /** Only {@link Replicator#commitSeen()} wakes the loop, so each commit is its own pass. */
    private static final Duration SLOW_POLL = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private Path db;
    private FileReplicaClient a;
    private SwitchableReplica b;

    private ReplicatorConfig config(ReplicaClient... more) {
        db = dir.resolve("app.db");
        a = new FileReplicaClient(dir.resolve("replica-a"));
        b = new SwitchableReplica(dir.resolve("replica-b"));
        List<ReplicaClient> replicas = new java.util.ArrayList<>(List.of(a, b));
        replicas.addAll(List.of(more));
        return ReplicatorConfig.defaults(db, replicas).withPollInterval(SLOW_POLL);
    }

    private static boolean noEntries(Path spool) {
        try (Stream<Path> s = Files.list(spool.resolve("entries"))) {
            return s.findAny().isEmpty();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** One commit per replication pass (so one spool entry each while a replica is down). */
    private static void commitsOneByOne(TestDb host, Replicator r, int n) throws Exception {
        for (int i = 0; i < n; i++) {
            long before = r.status().txid();
            host.insert(1);
            r.commitSeen();
            MultiReplicaTest.waitUntil(Duration.ofSeconds(20), () -> r.status().txid() > before, r);
        }
    }

    /**
     * Replicator 1: b is down for six commits (six entries), comes back, drains, and the spool is
     * emptied; then it stops. Leaves the host connection open for the caller; returns the generation.
     */
    private String outageDrainedAndCollected(ReplicatorConfig cfg, TestDb host) throws Exception {
        Replicator r1 = new Replicator(cfg);
        r1.start();
        host.insert(1);
        assertTrue(r1.awaitDurable(r1.commitSeen(), Duration.ofSeconds(20)), () -> "durable: " + r1.status());
        b.down.set(true);
        commitsOneByOne(host, r1, 6);
        assertFalse(noEntries(cfg.effectiveSpoolDir()), "b's backlog is spooled");
        b.down.set(false);
        assertTrue(r1.awaitDurable(r1.commitSeen(), Duration.ofSeconds(60)), () -> "drained: " + r1.status());
        MultiReplicaTest.waitUntil(Duration.ofSeconds(30), () -> noEntries(cfg.effectiveSpoolDir()), r1);
        assertTrue(r1.stop(Duration.ofSeconds(30)));
        return r1.status().generation();
    }

    private void assertReplicaEqualsSource(ReplicaClient replica, String name) throws Exception {
        Path out = dir.resolve("restored-" + name + "-" + System.nanoTime() + ".db");
        new Restorer(replica, new ReplicaLayout("")).restore(RestoreOptions.latest(out));
        assertEquals(TestDb.rows(db), TestDb.rows(out), "replica " + name + " restores the source");
        assertTrue(new Verifier(replica, new ReplicaLayout("")).verify().ok(), "replica " + name + " verifies");
    }

    @Test
    void aSecondOutageAfterARestartOnAnEmptiedSpoolIsNeitherLostNorCountedDurable() throws Exception {
        ReplicatorConfig cfg = config();
        try (TestDb host = new TestDb(db)) {
            String first = outageDrainedAndCollected(cfg, host);

            Replicator r2 = new Replicator(cfg);
            r2.start();
            try {
                host.insert(1);
                assertTrue(r2.awaitDurable(r2.commitSeen(), Duration.ofSeconds(20)), () -> "durable: " + r2.status());
                b.down.set(true);
                host.insert(1);
                long ticket = r2.commitSeen();
                assertFalse(r2.awaitDurable(ticket, Duration.ofMillis(1500)),
                        () -> "b is down: the commit is only spooled, not durable; " + r2.status());
                commitsOneByOne(host, r2, 2);
                assertFalse(noEntries(cfg.effectiveSpoolDir()), "the new outage's entries stay in the spool");
                b.down.set(false);
                assertTrue(r2.awaitDurable(ticket, Duration.ofSeconds(60)), () -> "drained: " + r2.status());
                host.insert(1);
                assertTrue(r2.awaitDurable(r2.commitSeen(), Duration.ofSeconds(60)), () -> "durable: " + r2.status());
                MultiReplicaTest.waitUntil(Duration.ofSeconds(30), () -> noEntries(cfg.effectiveSpoolDir()), r2);
            } finally {
                assertTrue(r2.stop(Duration.ofSeconds(30)));
            }
            assertEquals(first, r2.status().generation(), "r2 continued r1's generation");
            assertEquals(0, r2.status().generationsStarted());
        }
        assertReplicaEqualsSource(a, "a");
        assertReplicaEqualsSource(b, "b");
    }

    /**
     * A replica added to the configuration after the spool was emptied has nothing to drain from
     * it: it must get a whole generation (snapshot first), not only what is spooled from now on.
     */
    @Test
    void aReplicaAddedAfterTheSpoolWasEmptiedGetsAWholeGeneration() throws Exception {
        ReplicatorConfig cfg = config();
        FileReplicaClient c = new FileReplicaClient(dir.resolve("replica-c"));
        try (TestDb host = new TestDb(db)) {
            String first = outageDrainedAndCollected(cfg, host);

            Replicator r2 = new Replicator(config(c));
            r2.start();
            try {
                host.insert(2);
                assertTrue(r2.awaitDurable(r2.commitSeen(), Duration.ofSeconds(30)), () -> "durable: " + r2.status());
                assertNotEquals(first, r2.status().generation());
            } finally {
                assertTrue(r2.stop(Duration.ofSeconds(30)));
            }
        }
        assertReplicaEqualsSource(a, "a");
        assertReplicaEqualsSource(b, "b");
        assertReplicaEqualsSource(c, "c");
    }
}
