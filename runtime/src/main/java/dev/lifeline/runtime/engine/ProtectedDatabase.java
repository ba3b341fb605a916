package dev.lifeline.runtime.engine;

import dev.lifeline.runtime.config.LifelineConfig;
import dev.lifeline.runtime.lease.ReplicaLease;
import dev.lifeline.runtime.replica.ReplicaClient;
import dev.lifeline.runtime.replicate.Replicator;
import dev.lifeline.runtime.replicate.ReplicatorConfig;
import dev.lifeline.runtime.replicate.SqliteAccess;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * One database the host opened, and the replicator that protects it. Host threads call
 * {@link #commitSeen()} and {@link #awaitDurable}; the engine's thread calls {@link #start}.
 */
public final class ProtectedDatabase {

    private static final System.Logger LOG = System.getLogger("dev.lifeline.engine");
    private static final Duration MAX_RETRY = Duration.ofSeconds(60);

    private final Path path;
    private final boolean durable;
    private final SqliteAccess sqlite;
    private final Engine engine;
    private final AtomicBoolean startClaimed = new AtomicBoolean();
    private final CountDownLatch started = new CountDownLatch(1);
    private final LongAdder commitsSeen = new LongAdder();
    private final LongAdder durableWaits = new LongAdder();
    private final LongAdder durableTimeouts = new LongAdder();

    private volatile String name;
    private volatile Replicator replicator;
    private volatile String state = "starting";
    private volatile String error;
    private volatile Instant errorAt;
    private volatile int failures;

    ProtectedDatabase(Path path, boolean durable, SqliteAccess sqlite, Engine engine) {
        this.path = path;
        this.sqlite = sqlite;
        this.durable = durable;
        this.engine = engine;
    }

    public Path path() {
        return path;
    }

    /** Its sub-prefix in the replica, once assigned (null before the replicator starts). */
    public String name() {
        return name;
    }

    public boolean durable() {
        return durable;
    }

    /**
     * Whether the engine checkpoints this database: host connections opened from now on should
     * turn their own automatic checkpoints off. False while the replicator is not running, so a
     * broken replica never leaves the host's WAL growing without a checkpointer.
     */
    public boolean ownsCheckpoints() {
        return replicator != null && "replicating".equals(state);
    }

    /** Called by a host thread right after a commit returned: wakes the replicator. */
    public long commitSeen() {
        commitsSeen.increment();
        Replicator r = replicator;
        return r == null ? -1 : r.commitSeen(durable);
    }

    /**
     * For a durable database, waits until the commit that got {@code ticket} is in every replica,
     * at most the configured timeout. Never throws; the caller decides what a timeout means.
     */
    public DurableOutcome awaitDurable(long ticket) {
        if (!durable) {
            return DurableOutcome.NOT_REQUESTED;
        }
        durableWaits.increment();
        LifelineConfig cfg = engine.config();
        long deadline = System.nanoTime() + cfg.durableTimeout().toNanos();
        try {
            Replicator r = replicator;
            if (r == null) {
                if (!started.await(cfg.durableTimeout().toMillis(), TimeUnit.MILLISECONDS) || replicator == null) {
                    durableTimeouts.increment();
                    return DurableOutcome.NOT_REPLICATING;
                }
                r = replicator;
                // The commit happened before the replicator existed: a ticket taken now covers it.
                ticket = r.commitSeen();
            }
            if (!"replicating".equals(state)) {
                durableTimeouts.increment();
                return DurableOutcome.NOT_REPLICATING;
            }
            long left = Math.max(0, deadline - System.nanoTime());
            if (r.awaitDurable(ticket, Duration.ofNanos(left))) {
                return DurableOutcome.DURABLE;
            }
            durableTimeouts.increment();
            return "replicating".equals(state) ? DurableOutcome.TIMED_OUT : DurableOutcome.NOT_REPLICATING;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            durableTimeouts.increment();
            return DurableOutcome.TIMED_OUT;
        }
    }

    boolean claimStart() {
        return startClaimed.compareAndSet(false, true);
    }

    /**
     * Names the database in the replica and starts its replicator: on the engine's thread, or at
     * shutdown for a database that had not started yet. Synchronized with {@link #stop}, and a
     * no-op once started or stopped, so the two paths never both start it.
     */
    synchronized void start(List<ReplicaClient> clients, boolean closing) throws IOException {
        if (replicator != null || ("stopped".equals(state) && !closing)) {
            return;
        }
        LifelineConfig cfg = engine.config();
        String n = dev.lifeline.runtime.catalog.DatabaseNames.assign(clients.get(0), "", path);
        ReplicatorConfig rc = ReplicatorConfig.defaults(path, clients)
                .withPrefix(n + "/")
                .withPollInterval(cfg.pollInterval())
                .withPacer(engine.pacer())
                .withScratch(engine.scratch())
                .withCheckpointFrames(cfg.minCheckpointFrames(), cfg.maxCheckpointFrames())
                .withConvertToWal(cfg.convertToWal())
                .withSpool(cfg.stateDir().resolve("spool").resolve(n), 1L << 30)
                .withSnapshotInterval(cfg.snapshotInterval())
                .withRetention(cfg.retention())
                .withLease(ReplicaLease.DEFAULT_TTL, false)
                .withSqliteAccess(sqlite);
        Replicator r = new Replicator(rc);
        try {
            r.open();
            r.start();
        } catch (IOException | RuntimeException e) {
            try {
                r.stop(Duration.ofSeconds(1));
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
            throw e;
        }
        name = n;
        replicator = r;
        state = "replicating";
        failures = 0;
        started.countDown();
        LOG.log(Level.INFO, "replicating {0} to {1} as {2}", path,
                String.join(" and ", clients.stream().map(ReplicaClient::describe).toList()), n);
    }

    synchronized void failed(Throwable e) {
        failures++;
        state = "failed";
        error = e.getClass().getSimpleName() + ": " + e.getMessage();
        errorAt = Instant.now();
        if (failures <= 3 || failures % 20 == 0) {
            LOG.log(Level.WARNING, "cannot replicate {0} (attempt {1}; retrying in {2} s; the application is "
                    + "not affected): {3}", path, failures, nextRetryDelay().toSeconds(), error);
        }
    }

    /** Whether the replicator never started (still starting, or failed and waiting to retry). */
    boolean notStarted() {
        return replicator == null;
    }

    Duration nextRetryDelay() {
        long s = Math.min(MAX_RETRY.toSeconds(), 1L << Math.min(6, Math.max(0, failures - 1)));
        return Duration.ofSeconds(s);
    }

    synchronized boolean stop(Duration timeout) {
        Replicator r = replicator;
        started.countDown();
        if (r == null) {
            // A database that never replicated stays "failed", so the status still says why.
            if (!"failed".equals(state)) {
                state = "stopped";
            }
            return true;
        }
        state = "stopped";
        try {
            return r.stop(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public DatabaseStatus status() {
        Replicator r = replicator;
        return new DatabaseStatus(path.toString(), name, state, durable, error, errorAt, commitsSeen.sum(),
                durableWaits.sum(), durableTimeouts.sum(), r == null ? null : r.status());
    }
}
