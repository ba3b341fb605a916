package dev.lifeline.runtime.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lifeline.runtime.faults.FaultyTcpProxy.HttpError;
import dev.lifeline.runtime.ship.ReplicaStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replication to a real S3 server (S3Proxy) through a real TCP proxy that injects network and
 * server faults while an application commits at a steady rate. After each scenario the writer and
 * the replicator stop cleanly, and {@link FaultRun#finishAndVerify()} restores from the S3 replica
 * (straight to the server) and from the directory replica and proves: each equals the source row
 * for row, every committed seq is present exactly once, the Verifier passes, the chain is gap-free
 * with txids 1..N, both replicas hold identical objects, there is still only one generation, and
 * every object reached each replica in chain order.
 */
class S3ReplicationFaultsTest {

    private static final int RATE = 200; // commits per second

    @TempDir
    Path dir;

    /**
     * Connections are reset or closed every couple of seconds: the live ones in mid-request, and
     * every new one for a short window (the SDK's retries absorb it) or a long one (they give up,
     * and the replica falls back to the spool). S3 is the only replica here.
     */
    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void droppedConnectionsEveryFewSeconds() throws Exception {
        try (FaultRun run = FaultRun.start(dir, false, RATE, c -> c)) {
            run.waitUntil(Duration.ofSeconds(30), "first commits in S3", () -> run.s3Status().storedTxid() > 50);
            FaultyTcpProxy p = run.proxy;
            long[] windowsMs = {400, 400, 4000, 2500, 400};
            for (int round = 0; round < windowsMs.length; round++) {
                FaultRun.sleepQuietly(1500);
                int killed = p.killLiveConnections();
                boolean reset = round % 2 == 0;
                if (reset) {
                    p.resetNewConnections();
                } else {
                    p.closeNewConnections();
                }
                FaultRun.sleepQuietly(windowsMs[round]);
                p.acceptNewConnections();
                run.note("drop round %d: killed %d live connections, %s new ones for %d ms; s3 lag %d, spool %d",
                        round, killed, reset ? "reset" : "closed", windowsMs[round], run.s3Status().lagTxids(),
                        run.status().spoolBytes());
            }
            run.finishAndVerify();
            assertTrue(p.killed.get() > 0, p.stats());
            assertTrue(p.resetOnAccept.get() > 0 && p.closedOnAccept.get() > 0, p.stats());
            assertTrue(run.s3.failedPuts.get() > 0, "the long windows made writes fail past the SDK's retries");
            assertTrue(run.monitor.s3SawFailing(), "status showed the S3 replica failing: " + run.monitor.summary());
            assertTrue(run.monitor.maxSpool > 0, "the failed writes went through the spool: " + run.monitor.summary());
        }
    }

    /**
     * Bursts of 503 Slow Down and 500 Internal Error answers: short ones the SDK retries away,
     * long ones that fail the write so the S3 replica catches up from the spool. The directory
     * replica carries on meanwhile.
     */
    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void burstsOf503And500Responses() throws Exception {
        try (FaultRun run = FaultRun.start(dir, true, RATE, c -> c)) {
            run.waitUntil(Duration.ofSeconds(30), "first commits in S3", () -> run.s3Status().storedTxid() > 50);
            FaultyTcpProxy p = run.proxy;
            Object[][] bursts = {
                {3, HttpError.SLOW_DOWN}, {3, HttpError.INTERNAL_ERROR}, {12, HttpError.INTERNAL_ERROR},
                {2, HttpError.SLOW_DOWN}, {4, HttpError.INTERNAL_ERROR}, {20, HttpError.INTERNAL_ERROR},
                {3, HttpError.SLOW_DOWN},
            };
            int injected = 0;
            for (Object[] b : bursts) {
                FaultRun.sleepQuietly(1500);
                int n = (Integer) b[0];
                HttpError e = (HttpError) b[1];
                long t0 = System.nanoTime();
                p.failNextRequests(n, e);
                injected += n;
                run.waitUntil(Duration.ofSeconds(30), "burst served", () -> p.pendingErrors() == 0);
                run.note("burst of %d x %s served in %d ms; s3 lag %d, spool %d, dir lag %d", n, e,
                        (System.nanoTime() - t0) / 1_000_000, run.s3Status().lagTxids(), run.status().spoolBytes(),
                        run.localStatus().lagTxids());
            }
            run.finishAndVerify();
            assertEquals(injected, p.errorsServed.get(), "every injected error was served: " + p.stats());
            assertTrue(run.s3.failedPuts.get() > 0, "the long bursts made writes fail past the SDK's retries");
            assertTrue(run.monitor.maxSpool > 0, "the failed writes went through the spool: " + run.monitor.summary());
            String errors = String.join("\n", run.monitor.errors);
            assertTrue(errors.contains("HTTP 500 InternalError"), "status named the server's error: " + errors);
            assertTrue(run.local.failedPuts.get() == 0 && !run.monitor.sawFailing[0],
                    "the directory replica never failed: " + run.monitor.summary());
        }
    }

    /**
     * 500 ms on every chunk in both directions for 10 s. Nothing fails (the latency is far below
     * the socket timeout) and nothing goes to the spool, the application keeps its commit rate; the
     * replicas fall behind the database and catch up once the latency goes.
     *
     * <p>Measured, not asserted (see the report): S3 is written inline by the replicator thread,
     * so a slow (not failing) S3 holds back the directory replica too, and the status shows lag 0
     * for both, because lag is counted from what the replicator has read, not from the database.
     */
    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void fiveHundredMillisecondsOfLatencyForAWhile() throws Exception {
        try (FaultRun run = FaultRun.start(dir, true, RATE, c -> c)) {
            run.waitUntil(Duration.ofSeconds(30), "first commits in S3", () -> run.s3Status().storedTxid() > 50);
            FaultRun.sleepQuietly(1000);
            long commits0 = run.writer.committed();
            long segments0 = run.status().segmentsShipped();
            long t0 = System.nanoTime();
            run.proxy.latency(Duration.ofMillis(500));
            long maxS3Behind = 0;
            long maxDirBehind = 0;
            long maxS3StatusLag = 0;
            long maxDirStatusLag = 0;
            while (System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10)) {
                FaultRun.sleepQuietly(100);
                long committed = run.writer.committed(); // txid n is the app's n-th commit
                maxS3Behind = Math.max(maxS3Behind, committed - run.s3Status().storedTxid());
                maxDirBehind = Math.max(maxDirBehind, committed - run.localStatus().storedTxid());
                maxS3StatusLag = Math.max(maxS3StatusLag, run.s3Status().lagTxids());
                maxDirStatusLag = Math.max(maxDirStatusLag, run.localStatus().lagTxids());
            }
            double window = (System.nanoTime() - t0) / 1e9;
            long commits = run.writer.committed() - commits0;
            long segments = run.status().segmentsShipped() - segments0;
            run.proxy.latency(Duration.ZERO);
            long t1 = System.nanoTime();
            long target = run.writer.committed();
            run.note("latency window %.1f s: %d commits (%.0f/s), %d segments shipped, %,d bytes up; behind the "
                            + "database (max): s3 %d tx, directory %d tx; status lag (max): s3 %d, directory %d; "
                            + "WAL %,d bytes", window, commits, commits / window, segments, run.proxy.bytesUp.get(),
                    maxS3Behind, maxDirBehind, maxS3StatusLag, maxDirStatusLag, run.walBytes());
            run.waitUntil(Duration.ofSeconds(60), "S3 caught up after the latency",
                    () -> run.s3Status().storedTxid() >= target && run.localStatus().storedTxid() >= target);
            run.note("both replicas hold every commit made during the latency %.1f s after it was removed",
                    (System.nanoTime() - t1) / 1e9);
            run.finishAndVerify();
            assertTrue(commits >= 0.8 * RATE * window, "the application kept its commit rate: " + commits);
            assertTrue(maxS3Behind >= RATE, "the latency held S3 back (>= 1 s of commits): " + maxS3Behind);
            assertEquals(0, run.s3.failedPuts.get(), "latency alone never failed a write: " + run.s3.failures);
            assertTrue(!run.monitor.s3SawFailing() && run.monitor.maxSpool == 0,
                    "latency alone never put the S3 replica on the spool: " + run.monitor.summary());
        }
    }

    /**
     * The store is gone for 60 s (the proxy refuses connections) while the application keeps
     * writing: the S3 replica is reported failing since the outage began, with the reason; its
     * backlog grows in the spool while the directory replica stays current and the database keeps
     * checkpointing (the WAL stays bounded). When the store returns, the backlog drains in order
     * and the replica catches up, still in the same generation. Default configuration (fencing
     * leases on), as an operator would run it.
     */
    @Test
    @Timeout(value = 420, unit = TimeUnit.SECONDS)
    void aSixtySecondOutageIsSpooledAndDrainedInOrder() throws Exception {
        try (FaultRun run = FaultRun.start(dir, true, RATE, c -> c.withPollInterval(Duration.ofMillis(100)))) {
            run.waitUntil(Duration.ofSeconds(30), "S3 replicating", () -> run.s3Status().storedTxid() > 100
                    && run.caughtUp());
            long checkpoints0 = run.status().checkpoints();
            long commits0 = run.writer.committed();
            long stored0 = run.s3Status().storedTxid();
            Instant t0 = Instant.now();
            long n0 = System.nanoTime();
            run.proxy.refuse();
            run.note("outage begins: the proxy refuses connections (s3 stored txid %d, checkpoints %d)", stored0,
                    checkpoints0);

            run.waitUntil(Duration.ofSeconds(15), "S3 replica reported failing",
                    () -> run.s3Status().failingSince() != null);
            ReplicaStatus failing = run.s3Status();
            Instant since = failing.failingSince();
            run.note("status: %s failing since %s (%d ms after the outage began): %s", failing.id(), since,
                    Duration.between(t0, since).toMillis(), failing.lastError());
            assertTrue(!since.isBefore(t0.minusSeconds(1)) && since.isBefore(t0.plusSeconds(15)),
                    "failing since the outage began: " + since + " vs " + t0);
            String why = failing.lastError().toLowerCase(Locale.ROOT);
            assertTrue(why.contains("s3 ") && why.contains("refused"), "the reason names S3 and the refusal: "
                    + failing.lastError());
            assertTrue(failing.replica().contains("127.0.0.1:" + run.proxy.port()), failing.replica());

            // Sample every 5 s; assert afterwards, most important first, with the whole timeline.
            long spoolAt10s = -1;
            long worstDirBehind = 0;
            String worstDirAt = "";
            for (int s = 5; s <= 60; s += 5) {
                long wait = n0 + TimeUnit.SECONDS.toNanos(s) - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                ReplicaStatus s3 = run.s3Status();
                ReplicaStatus local = run.localStatus();
                long spool = run.status().spoolBytes();
                long committed = run.writer.committed(); // txid n is the app's n-th commit
                long dirBehind = committed - local.storedTxid();
                if (s == 10) {
                    spoolAt10s = spool;
                }
                if (dirBehind > worstDirBehind) {
                    worstDirBehind = dirBehind;
                    worstDirAt = "+" + s + " s";
                }
                run.note("outage +%2d s: spool %,d bytes, checkpoints +%d, WAL %,d bytes, s3 lag %d (since %s), "
                                + "directory %d commits behind the database (status lag %d), commits +%d, state %s%s",
                        s, spool, run.status().checkpoints() - checkpoints0, run.walBytes(), s3.lagTxids(),
                        s3.failingSince(), dirBehind, local.lagTxids(), committed - commits0, run.status().state(),
                        "retrying".equals(run.status().state()) ? " (" + run.status().lastError() + ")" : "");
                assertEquals(since, s3.failingSince(), "still failing since the same instant");
                assertNull(local.failingSince(), "the directory replica is not failing: " + local);
            }
            long commits = run.writer.committed() - commits0;
            long spoolEnd = run.status().spoolBytes();
            long checkpoints = run.status().checkpoints() - checkpoints0;
            ReplicaStatus s3End = run.s3Status();
            String timeline = "\n" + run.log();
            assertTrue(commits >= 0.8 * RATE * 60, "the application kept writing through the outage: " + commits);
            assertTrue(worstDirBehind <= 3L * RATE, "while S3 is down the directory replica keeps receiving "
                    + "commits, but it fell " + worstDirBehind + " commits behind the database (at " + worstDirAt
                    + "); replicator: " + run.status().state() + ", " + run.status().lastError() + timeline);
            assertTrue(checkpoints >= 5, "the database kept checkpointing: " + checkpoints + timeline);
            assertTrue(run.monitor.maxWal < (32L << 20), "the WAL stayed bounded: " + run.monitor.maxWal + timeline);
            assertTrue(spoolAt10s > 0 && spoolEnd > spoolAt10s, "the spool grew: " + spoolAt10s + " -> " + spoolEnd
                    + timeline);
            assertTrue(s3End.lagTxids() >= commits - 3L * RATE, "the S3 lag covers the outage: " + s3End);
            assertEquals(failing.storedTxid(), s3End.storedTxid(), "nothing reached S3 during the outage");
            assertEquals(1, run.status().generationsStarted(), "no new generation");

            long n1 = System.nanoTime();
            run.proxy.pass();
            run.note("store returns after %.1f s of outage; backlog %,d bytes, s3 lag %d", (n1 - n0) / 1e9,
                    run.status().spoolBytes(), run.s3Status().lagTxids());
            run.waitUntil(Duration.ofSeconds(150), "backlog drained",
                    () -> run.s3Status().failingSince() == null && run.caughtUp());
            run.note("backlog drained %.1f s after the store returned (writer still running): %s",
                    (System.nanoTime() - n1) / 1e9, FaultRun.brief(run.status()));
            assertNull(run.s3Status().failingSince());
            assertNotNull(run.s3Status().lastStored());
            run.finishAndVerify();
            assertTrue(run.s3.failedPuts.get() > 0, "the client saw the outage");
        }
    }
}
