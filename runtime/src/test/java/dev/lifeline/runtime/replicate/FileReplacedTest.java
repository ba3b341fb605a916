package dev.lifeline.runtime.replicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lifeline.runtime.catalog.ReplicaCatalog;
import dev.lifeline.runtime.format.ReplicaLayout;
import dev.lifeline.runtime.replica.FileReplicaClient;
import dev.lifeline.runtime.replica.ReplicaClient;
import dev.lifeline.runtime.restore.RestoreOptions;
import dev.lifeline.runtime.restore.Restorer;
import dev.lifeline.runtime.verify.Verifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The database file is replaced while the replicator runs (an operator restores a copy over it):
 * the replicator starts a new generation on the new file, and its replicas keep their whole
 * behaviour, including catching up through the spool after an outage.
 */
class FileReplacedTest {

    /** Only {@link Replicator#commitSeen()} wakes the loop. */
    private static final Duration SLOW_POLL = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private void assertReplicaEqualsSource(Path db, ReplicaClient replica, String name) throws Exception {
        Path out = dir.resolve("restored-" + name + ".db");
        new Restorer(replica, new ReplicaLayout("")).restore(RestoreOptions.latest(out));
        assertEquals(TestDb.rows(db), TestDb.rows(out), "replica " + name + " restores the new file");
        assertTrue(new Verifier(replica, new ReplicaLayout("")).verify().ok(), "replica " + name + " verifies");
    }

    /**
     * Puts another database in place of {@code db}: a copy of it with rows of its own, moved over
     * it with its WAL and shared-memory files gone (as a restore of a backup would).
     */
    private void replaceWithACopy(Path db, TestDb host) throws Exception {
        Path copy = dir.resolve("copy.db");
        host.exec("VACUUM INTO '" + copy + "'");
        try (TestDb c = new TestDb(copy)) {
            c.exec("DELETE FROM t WHERE id % 2 = 0");
            c.insert(3);
        }
        host.close();
        Files.deleteIfExists(Path.of(db + "-wal"));
        Files.deleteIfExists(Path.of(db + "-shm"));
        Files.move(copy, db, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** A new host connection on the new file, then an outage of b that its backlog must cover. */
    private static TestDb outageOfBAfterTheReplacement(Path db, Replicator r, SwitchableReplica b) throws Exception {
        TestDb host = new TestDb(db);
        host.insert(1);
        assertTrue(r.awaitDurable(r.commitSeen(), Duration.ofSeconds(20)), () -> "durable: " + r.status());

        b.down.set(true);
        host.insert(2);
        long ticket = r.commitSeen();
        assertFalse(r.awaitDurable(ticket, Duration.ofMillis(1000)), "b is down: only spooled");
        assertTrue(r.status().spoolBytes() > 0, () -> "b's backlog is spooled: " + r.status());
        b.down.set(false);
        assertTrue(r.awaitDurable(ticket, Duration.ofSeconds(30)), () -> "b drained its backlog: " + r.status());
        host.insert(1);
        assertTrue(r.awaitDurable(r.commitSeen(), Duration.ofSeconds(30)), () -> "durable: " + r.status());
        assertEquals(0, r.status().replicas().get(1).lagTxids(), () -> "b caught up: " + r.status());
        assertNull(r.status().replicas().get(1).failingSince(), () -> "b is well again: " + r.status());
        return host;
    }

    private static String newestGenerationReason(ReplicaClient replica) throws Exception {
        return new ReplicaCatalog(replica, new ReplicaLayout("")).latest().orElseThrow().meta().reason();
    }

    /** Replaces the database file under a running replicator; the host's connection is closed first. */
    private interface Replacement {
        void replace(Path db, TestDb host, Replicator r) throws Exception;
    }

    /**
     * Replicates a database to a and b, replaces its file, waits for the new file's generation,
     * then takes b down and brings it back: its backlog must drain and both replicas restore the
     * new file.
     */
    private void replicaDrainsAfter(Replacement replacement) throws Exception {
        Path db = dir.resolve("app.db");
        FileReplicaClient a = new FileReplicaClient(dir.resolve("replica-a"));
        SwitchableReplica b = new SwitchableReplica(dir.resolve("replica-b"));
        Replicator r = new Replicator(ReplicatorConfig.defaults(db, List.of(a, b)).withPollInterval(SLOW_POLL));
        TestDb host = new TestDb(db);
        host.insert(6);
        r.start();
        try {
            assertTrue(r.awaitDurable(r.commitSeen(), Duration.ofSeconds(20)), () -> "durable: " + r.status());
            String before = r.status().generation();
            replacement.replace(db, host, r);
            r.commitSeen();
            MultiReplicaTest.waitUntil(Duration.ofSeconds(30), () -> r.status().generationsStarted() == 2, r);
            assertNotEquals(before, r.status().generation(), "a new generation for the new file");
            host = outageOfBAfterTheReplacement(db, r, b);
        } finally {
            host.close();
            assertTrue(r.stop(Duration.ofSeconds(30)));
        }
        assertEquals(2, r.status().generationsStarted());
        assertEquals("the database file was replaced", newestGenerationReason(a));
        assertReplicaEqualsSource(db, a, "a");
        assertReplicaEqualsSource(db, b, "b");
    }

    @Test
    void afterTheFileIsReplacedAReplicaThatFallsBehindDrainsItsBacklog() throws Exception {
        replicaDrainsAfter((db, host, r) -> replaceWithACopy(db, host));
    }

    /**
     * Deleted, then created again a while later: the replicator finds no file for some passes (it
     * cannot reopen yet), then starts the new file's generation, upload threads included; it must
     * not continue the old generation on the new file.
     */
    @Test
    void afterTheFileIsDeletedAndCreatedAgainAReplicaThatFallsBehindDrainsItsBacklog() throws Exception {
        replicaDrainsAfter((db, host, r) -> {
            host.close();
            for (String suffix : List.of("", "-wal", "-shm")) {
                Files.deleteIfExists(Path.of(db + suffix));
            }
            r.commitSeen();
            MultiReplicaTest.waitUntil(Duration.ofSeconds(20), () -> r.status().lastError() != null
                    && r.status().lastError().contains("does not exist"), r);
            try (TestDb created = new TestDb(db)) {
                created.insert(4);
            }
        });
    }
}
