package dev.lifeline.runtime.faults;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lifeline.runtime.replica.FileReplicaClient;
import dev.lifeline.runtime.replica.ReplicaClient;
import dev.lifeline.runtime.replicate.Replicator;
import dev.lifeline.runtime.replicate.ReplicatorConfig;
import dev.lifeline.runtime.replicate.SwitchableReplica;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regressions for two bugs the fault-injection tests found, both fixed: (1) one unreachable
 * replica stopped replication to every replica, because the fencing leases of all replicas were
 * renewed together before each store; now each replica's lease is kept by its own target, so an
 * unreachable one only falls behind into the spool; (2) a failing replica's upload thread was
 * woken for every spooled entry and retried once per segment instead of backing off.
 */
class ReplicaFailureIsolationTest {

    private static final int RATE = 200;

    @TempDir
    Path dir;

    /** What happened while replica b was down. */
    private record Outage(long failedWrites, double seconds, long commits, long aStored, long checkpoints,
                          String state, String lastError) {
    }

    /** Replicas [a directory, b that goes down for {@code seconds}], the application writing 200 tx/s. */
    private Outage runWithBDown(int seconds, UnaryOperator<ReplicatorConfig> tune) throws Exception {
        Path db = dir.resolve("app.db");
        SteadyWriter.createSchema(db);
        FileReplicaClient a = new FileReplicaClient(dir.resolve("a"));
        SwitchableReplica b = new SwitchableReplica(dir.resolve("b"));
        ReplicatorConfig cfg = tune.apply(ReplicatorConfig.defaults(db, List.of(a, b))
                .withSpool(dir.resolve("spool"), 512L << 20).withPollInterval(Duration.ofMillis(50))
                .withCheckpointFrames(200, 1500));
        Replicator r = new Replicator(cfg);
        try (SteadyWriter w = new SteadyWriter(db, RATE).start()) {
            r.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (r.status().replicas().isEmpty() || r.status().replicas().get(1).storedTxid() < 50) {
                assertTrue(System.nanoTime() < deadline, "replication did not start: " + r.status());
                Thread.sleep(20);
            }
            long checkpoints0 = r.status().checkpoints();
            b.down.set(true);
            long t0 = System.nanoTime();
            Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
            Outage o = new Outage(b.refusedWrites.get(), (System.nanoTime() - t0) / 1e9, w.committed(),
                    r.status().replicas().get(0).storedTxid(), r.status().checkpoints() - checkpoints0,
                    r.status().state(), r.status().lastError());
            System.out.println("replica b down: " + o);
            b.down.set(false);
            w.stop();
            return o;
        } finally {
            r.stop(Duration.ofSeconds(30));
        }
    }

    /** Bug 1. */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void oneUnreachableReplicaDoesNotStopReplicationToTheOthers() throws Exception {
        Outage o = runWithBDown(20, c -> c); // default configuration: fencing leases on (TTL 30 s)
        long behind = o.commits() - o.aStored();
        assertTrue(behind <= 3L * RATE && o.checkpoints() >= 5, "while replica b is down, replica a should keep "
                + "receiving commits and the database keep checkpointing; after " + String.format("%.0f", o.seconds())
                + " s a is " + behind + " commits behind the database, " + o.checkpoints() + " checkpoints ran, state "
                + o.state() + ", last error: " + o.lastError());
    }

    /** Bug 2, with an instantly failing replica. */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aReplicaThatIsDownIsRetriedWithBackoffNotOncePerSegment() throws Exception {
        Outage o = runWithBDown(15, c -> c.withLease(null, false));
        assertTrue(o.failedWrites() <= 12, "a replica that is down should be retried with exponential backoff (at "
                + "most ~10 attempts in 15 s), but it was retried " + o.failedWrites() + " times in " + String.format(
                "%.1f", o.seconds()) + " s: every spooled segment wakes its upload thread out of the backoff");
    }

    /** Bug 2, with S3 behind a proxy that refuses connections. */
    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void anS3ReplicaThatIsDownIsRetriedWithBackoff() throws Exception {
        try (FaultRun run = FaultRun.start(dir, true, RATE, c -> c.withLease(null, false))) {
            run.waitUntil(Duration.ofSeconds(30), "S3 replicating", () -> run.s3Status().storedTxid() > 100
                    && run.caughtUp());
            long before = run.s3.failedPuts.get();
            long t0 = System.nanoTime();
            run.proxy.refuse();
            FaultRun.sleepQuietly(30_000);
            long attempts = run.s3.failedPuts.get() - before;
            double secs = (System.nanoTime() - t0) / 1e9;
            run.note("%d failed writes to the down S3 replica in %.1f s (%.1f/s); %d segments shipped meanwhile",
                    attempts, secs, attempts / secs, run.status().segmentsShipped());
            run.proxy.pass();
            run.finishAndVerify(); // the data is fine either way
            assertTrue(attempts <= 12, "an S3 replica that is down should be retried with exponential backoff (at "
                    + "most ~11 attempts in 30 s), but it was retried " + attempts + " times in " + String.format(
                    "%.1f", secs) + " s: every spooled segment wakes its upload thread out of the backoff");
        }
    }
}
