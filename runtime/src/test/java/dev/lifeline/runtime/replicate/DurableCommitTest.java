package dev.lifeline.runtime.replicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lifeline.runtime.format.ReplicaLayout;
import dev.lifeline.runtime.replica.FileReplicaClient;
import dev.lifeline.runtime.replica.ReplicaClient;
import dev.lifeline.runtime.restore.RestoreOptions;
import dev.lifeline.runtime.restore.Restorer;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Durable-commit tickets against real SQLite files and a real directory replica. The replicator
 * polls only once a minute, so only {@link Replicator#commitSeen()} can wake it in time.
 */
class DurableCommitTest {

    private static final Duration SLOW_POLL = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private Path db;

    /** The host's connection: a real WAL-mode database, patient with the other writers. */
    private TestDb createDb() throws SQLException {
        db = dir.resolve("app.db");
        TestDb t = new TestDb(db);
        t.exec("PRAGMA busy_timeout=20000");
        return t;
    }

    private Replicator started(ReplicaClient replica) throws IOException {
        Replicator r = new Replicator(ReplicatorConfig.defaults(db, List.of(replica)).withPollInterval(SLOW_POLL));
        r.start();
        return r;
    }

    interface Scenario {
        void run(TestDb host, Replicator r) throws Exception;
    }

    /** Creates the database, starts a replicator on it, runs the scenario, and stops cleanly. */
    private void withReplicator(ReplicaClient replica, Scenario scenario) throws Exception {
        try (TestDb c = createDb()) {
            Replicator r = started(replica);
            try {
                scenario.run(c, r);
            } finally {
                assertTrue(r.stop(Duration.ofSeconds(30)));
            }
        }
    }

    /** Restores the replica's latest state and returns its rows (see {@link TestDb#rows}). */
    private List<String> restoredRows(ReplicaClient replica) throws Exception {
        Path out = dir.resolve("restored-" + System.nanoTime() + ".db");
        new Restorer(replica, new ReplicaLayout("")).restore(RestoreOptions.latest(out));
        return TestDb.rows(out);
    }

    @Test
    void aCommitAwaitedDurableIsInTheReplica() throws Exception {
        FileReplicaClient replica = new FileReplicaClient(dir.resolve("replica"));
        withReplicator(replica, (c, r) -> {
            c.insert(1);
            long ticket = r.commitSeen();
            assertTrue(r.awaitDurable(ticket, Duration.ofSeconds(20)), () -> "durable: " + r.status());
            List<String> restored = restoredRows(replica);
            assertEquals(1, restored.size());
            assertEquals(TestDb.rows(db), restored, "restored right after the wait returned");

            c.insert(1);
            long next = r.commitSeen();
            assertTrue(next > ticket);
            assertTrue(r.awaitDurable(next, Duration.ofSeconds(20)), () -> "durable: " + r.status());
            assertEquals(TestDb.rows(db), restoredRows(replica));
            // A ticket already served returns at once, even with no time to wait.
            assertTrue(r.awaitDurable(ticket, Duration.ZERO));
            assertEquals(3, r.status().durableWaits());
            assertEquals(0, r.status().durableTimeouts());
        });
    }

    @Test
    void concurrentDurableCommitsShareUploads() throws Exception {
        FileReplicaClient replica = new FileReplicaClient(dir.resolve("replica"));
        int threads = 8;
        int perThread = 25;
        withReplicator(replica, (c, r) -> {
            c.insert(1);
            assertTrue(r.awaitDurable(r.commitSeen(), Duration.ofSeconds(20)));
            long segmentsBefore = r.status().segmentsShipped();
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<Integer>> results = new ArrayList<>();
            for (int w = 0; w < threads; w++) {
                results.add(pool.submit(() -> {
                    int durable = 0;
                    try (TestDb own = new TestDb(db)) {
                        own.exec("PRAGMA busy_timeout=20000");
                        for (int i = 0; i < perThread; i++) {
                            own.insert(1);
                            if (r.awaitDurable(r.commitSeen(), Duration.ofSeconds(30))) {
                                durable++;
                            }
                        }
                    }
                    return durable;
                }));
            }
            int durable = 0;
            for (Future<Integer> f : results) {
                durable += f.get(120, TimeUnit.SECONDS);
            }
            pool.shutdown();
            int commits = threads * perThread;
            assertEquals(commits, durable, () -> "every awaited commit is durable: " + r.status());
            long segments = r.status().segmentsShipped() - segmentsBefore;
            assertTrue(segments >= 1);
            // Group commit: one pass ships every commit that returned before it started.
            assertTrue(segments * 2 <= commits, "segments shipped " + segments + " for " + commits + " commits");
            List<String> restored = restoredRows(replica);
            assertEquals(1 + commits, restored.size());
            assertEquals(TestDb.rows(db), restored);
            assertEquals(0, r.status().durableTimeouts());
        });
    }

    @Test
    void aFailingReplicaTimesOutThenCommitsBecomeDurableWhenItReturns() throws Exception {
        SwitchableReplica replica = new SwitchableReplica(dir.resolve("replica"));
        withReplicator(replica, (c, r) -> {
            c.insert(1);
            assertTrue(r.awaitDurable(r.commitSeen(), Duration.ofSeconds(20)));

            replica.down.set(true);
            c.insert(1);
            long ticket = r.commitSeen();
            long t0 = System.nanoTime();
            assertFalse(r.awaitDurable(ticket, Duration.ofMillis(1500)), "only spooled, not stored");
            long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(waitedMs >= 1400 && waitedMs < 10_000, "gave up at its timeout: " + waitedMs + " ms");
            assertTrue(replica.refused.get() > 0, "the replica was tried");
            assertTrue(r.status().spoolBytes() > 0, "the commit waits in the spool: " + r.status());
            assertEquals(1, r.status().durableTimeouts());

            replica.down.set(false);
            assertTrue(r.awaitDurable(ticket, Duration.ofSeconds(60)), () -> "drained: " + r.status());
            c.insert(1);
            assertTrue(r.awaitDurable(r.commitSeen(), Duration.ofSeconds(60)), () -> "durable: " + r.status());
            List<String> restored = restoredRows(replica);
            assertEquals(3, restored.size());
            assertEquals(TestDb.rows(db), restored);
        });
    }

    /**
     * A directory replica whose generation metadata reads are slow, like an object store's: the
     * replicator then waits for its parallel catalog reads (resume, retention) on its own thread.
     */
    private static ReplicaClient slowMetadataReads(FileReplicaClient inner, long delayMs) {
        return (ReplicaClient) java.lang.reflect.Proxy.newProxyInstance(DurableCommitTest.class.getClassLoader(),
                new Class<?>[] {ReplicaClient.class}, (proxy, method, args) -> {
                    if (method.getName().equals("get") && args[0] instanceof String key
                            && key.startsWith("generations/") && key.endsWith(".json")) {
                        Thread.sleep(delayMs);
                    }
                    try {
                        return method.invoke(inner, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    void aCommitSeenWhileTheLoopWaitsForReplicaReadsIsServedWithoutWaitingForThePoll() throws Exception {
        FileReplicaClient replica = new FileReplicaClient(dir.resolve("replica"));
        try (TestDb c = createDb()) {
            // A generation with enough segments that resuming it reads their metadata in parallel.
            Replicator first = new Replicator(ReplicatorConfig.defaults(db, List.of(replica)));
            first.open();
            for (int i = 0; i < 12; i++) {
                c.insert(1);
                first.syncOnce();
            }
            assertTrue(first.stop(Duration.ofSeconds(30)));

            Replicator r = started(slowMetadataReads(replica, 150));
            try {
                Thread.sleep(150); // the loop is now resuming: waiting for the catalog's reads
                c.insert(1);
                long ticket = r.commitSeen();
                long t0 = System.nanoTime();
                assertTrue(r.awaitDurable(ticket, Duration.ofSeconds(10)), () -> "durable: " + r.status());
                assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5), "not left for the next poll");
                assertEquals(first.status().generation(), r.status().generation(), "resumed");
            } finally {
                assertTrue(r.stop(Duration.ofSeconds(30)));
            }
            assertEquals(TestDb.rows(db), restoredRows(replica));
        }
    }

    @Test
    void aStoppedOrNeverStartedReplicatorAnswersFalseAtOnce() throws Exception {
        FileReplicaClient replica = new FileReplicaClient(dir.resolve("replica"));
        try (TestDb c = createDb()) {
            Replicator r = started(replica);
            c.insert(1);
            long served = r.commitSeen();
            assertTrue(r.awaitDurable(served, Duration.ofSeconds(20)));
            assertTrue(r.stop(Duration.ofSeconds(30)));

            c.insert(1);
            long ticket = r.commitSeen();
            long t0 = System.nanoTime();
            assertFalse(r.awaitDurable(ticket, Duration.ofSeconds(20)));
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(2), "answered without waiting");
            assertTrue(r.awaitDurable(served, Duration.ofSeconds(20)), "what was durable stays durable");

            Replicator never = new Replicator(ReplicatorConfig.defaults(db, List.of(replica)));
            t0 = System.nanoTime();
            assertFalse(never.awaitDurable(never.commitSeen(), Duration.ofSeconds(20)));
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(2), "never started: no wait");

            Replicator broken = new Replicator(ReplicatorConfig.defaults(dir.resolve("missing.db"), List.of(replica)));
            assertThrows(IOException.class, broken::start);
            t0 = System.nanoTime();
            assertFalse(broken.awaitDurable(broken.commitSeen(), Duration.ofSeconds(20)));
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(2), "failed to open: no wait");
        }
    }
}
