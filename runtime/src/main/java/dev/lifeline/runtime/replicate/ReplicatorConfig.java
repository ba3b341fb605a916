package dev.lifeline.runtime.replicate;

import dev.lifeline.runtime.replica.ReplicaClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * How one database is replicated.
 *
 * @param replicas            where to; a commit counts as replicated once it is in every one
 * @param pollInterval        how often the WAL is looked at when nothing wakes the replicator
 * @param minCheckpointFrames shipped frames after which a PASSIVE checkpoint runs
 * @param maxCheckpointFrames shipped frames after which a RESTART checkpoint restarts the WAL
 * @param idleCheckpoint      quiet time after which shipped frames are checkpointed anyway
 * @param maxSegmentBytes     a segment ends at the first commit past this many bytes
 * @param convertToWal        whether a database in rollback-journal mode may be switched to WAL
 * @param spoolDir            the local spool for replicas that are behind (null: beside the database)
 * @param spoolLimitBytes     when the spool holds this much, replication pauses (the WAL keeps the
 *                            frames and is not checkpointed) until a replica drains it
 * @param snapshotInterval    a new snapshot inside the generation once the newest is this old (null: never)
 * @param retention           how far back every point stays restorable; older objects are deleted
 *                            (null: keep everything)
 * @param leaseTtl            how long this process's lease on each replica lasts without renewal
 *                            (null: no fencing)
 * @param takeover            take the replicas' leases even if another process holds them
 * @param sqlite              how this process reaches the database: standalone, or inside the host
 *                            JVM through the host's own SQLite library
 * @param pacer               the least time from one sync pass to the next, even when commits wake the
 *                            replicator: under load, commits gather into fewer, larger segments (one
 *                            pacer may be shared by the replicators of an engine)
 * @param scratch             where a pass borrows its segment-sized buffers (shared by the
 *                            replicators of an engine, so memory kept does not grow with databases)
 */
public record ReplicatorConfig(Path database, List<ReplicaClient> replicas, String prefix, Duration pollInterval,
                               long minCheckpointFrames, long maxCheckpointFrames, Duration idleCheckpoint,
                               long maxSegmentBytes, boolean convertToWal, Path spoolDir, long spoolLimitBytes,
                               Duration snapshotInterval, Duration retention, Duration leaseTtl, boolean takeover,
                               Clock clock, SqliteAccess sqlite, SyncPacer pacer,
                               ScratchPool scratch) {

    public ReplicatorConfig {
        replicas = List.copyOf(replicas);
        java.util.Objects.requireNonNull(scratch, "scratch");
        if (replicas.isEmpty()) {
            throw new IllegalArgumentException("at least one replica is needed");
        }
    }

    public static ReplicatorConfig defaults(Path database, ReplicaClient replica) {
        return defaults(database, List.of(replica));
    }

    public static ReplicatorConfig defaults(Path database, List<ReplicaClient> replicas) {
        return new ReplicatorConfig(database, replicas, "", Duration.ofMillis(10), 1000, 10_000,
                Duration.ofSeconds(5), 16L << 20, false, null, 1L << 30, Duration.ofHours(6), Duration.ofHours(24), Duration.ofSeconds(30), false,
                Clock.systemUTC(), SqliteAccess.STANDALONE, SyncPacer.fixed(Duration.ZERO), new ScratchPool(1));
    }

    /** The first replica (the only one, for a single-replica setup). */
    public ReplicaClient replica() {
        return replicas.get(0);
    }

    /** The spool directory actually used. */
    public Path effectiveSpoolDir() {
        if (spoolDir != null) {
            return spoolDir;
        }
        Path db = database.toAbsolutePath().normalize();
        return db.resolveSibling("." + db.getFileName() + "-lifeline").resolve("spool");
    }

    public ReplicatorConfig withPrefix(String p) {
        return new ReplicatorConfig(database, replicas, p, pollInterval, minCheckpointFrames, maxCheckpointFrames,
                idleCheckpoint, maxSegmentBytes, convertToWal, spoolDir, spoolLimitBytes,
                snapshotInterval, retention, leaseTtl, takeover, clock, sqlite, pacer, scratch);
    }

    public ReplicatorConfig withPollInterval(Duration d) {
        return new ReplicatorConfig(database, replicas, prefix, d, minCheckpointFrames, maxCheckpointFrames,
                idleCheckpoint, maxSegmentBytes, convertToWal, spoolDir, spoolLimitBytes,
                snapshotInterval, retention, leaseTtl, takeover, clock, sqlite, pacer, scratch);
    }

    public ReplicatorConfig withCheckpointFrames(long min, long max) {
        return new ReplicatorConfig(database, replicas, prefix, pollInterval, min, max, idleCheckpoint,
                maxSegmentBytes, convertToWal, spoolDir, spoolLimitBytes,
                snapshotInterval, retention, leaseTtl, takeover, clock, sqlite, pacer, scratch);
    }

    public ReplicatorConfig withIdleCheckpoint(Duration d) {
        return new ReplicatorConfig(database, replicas, prefix, pollInterval, minCheckpointFrames,
                maxCheckpointFrames, d, maxSegmentBytes, convertToWal, spoolDir, spoolLimitBytes,
                snapshotInterval, retention, leaseTtl, takeover, clock, sqlite, pacer, scratch);
    }

    public ReplicatorConfig withMaxSegmentBytes(long n) {
        return new ReplicatorConfig(database, replicas, prefix, pollInterval, minCheckpointFrames,
                maxCheckpointFrames, idleCheckpoint, n, convertToWal, spoolDir, spoolLimitBytes,
                snapshotInterval, retention, leaseTtl, takeover, clock, sqlite, pacer, scratch);
    }

    public ReplicatorConfig withConvertToWal(boolean b) {
        return new ReplicatorConfig(database, replicas, prefix, pollInterval, minCheckpointFrames,
                maxCheckpointFrames, idleCheckpoint, maxSegmentBytes, b, spoolDir, spoolLimitBytes,
                snapshotInterval, retention, leaseTtl, takeover, clock, sqlite, pacer, scratch);
    }

    public ReplicatorConfig withSpool(Path dir, long limitBytes) {
        return new ReplicatorConfig(database, replicas, prefix, pollInterval, minCheckpointFrames,
                maxCheckpointFrames, idleCheckpoint, maxSegmentBytes, convertToWal, dir, limitBytes,
                snapshotInterval, retention, leaseTtl, takeover, clock, sqlite, pacer, scratch);
    }

    public ReplicatorConfig withSnapshotInterval(Duration d) {
        return new ReplicatorConfig(database, replicas, prefix, pollInterval, minCheckpointFrames,
                maxCheckpointFrames, idleCheckpoint, maxSegmentBytes, convertToWal, spoolDir, spoolLimitBytes, d,
                retention, leaseTtl, takeover, clock, sqlite, pacer, scratch);
    }

    public ReplicatorConfig withRetention(Duration window) {
        return new ReplicatorConfig(database, replicas, prefix, pollInterval, minCheckpointFrames,
                maxCheckpointFrames, idleCheckpoint, maxSegmentBytes, convertToWal, spoolDir, spoolLimitBytes,
                snapshotInterval, window, leaseTtl, takeover, clock, sqlite, pacer, scratch);
    }

    public ReplicatorConfig withLease(Duration ttl, boolean takeOver) {
        return new ReplicatorConfig(database, replicas, prefix, pollInterval, minCheckpointFrames,
                maxCheckpointFrames, idleCheckpoint, maxSegmentBytes, convertToWal, spoolDir, spoolLimitBytes,
                snapshotInterval, retention, ttl, takeOver, clock, sqlite, pacer, scratch);
    }

    public ReplicatorConfig withClock(Clock c) {
        return new ReplicatorConfig(database, replicas, prefix, pollInterval, minCheckpointFrames,
                maxCheckpointFrames, idleCheckpoint, maxSegmentBytes, convertToWal, spoolDir, spoolLimitBytes, snapshotInterval, retention, leaseTtl, takeover, c, sqlite, pacer, scratch);
    }

    public ReplicatorConfig withSqliteAccess(SqliteAccess a) {
        return new ReplicatorConfig(database, replicas, prefix, pollInterval, minCheckpointFrames,
                maxCheckpointFrames, idleCheckpoint, maxSegmentBytes, convertToWal, spoolDir, spoolLimitBytes,
                snapshotInterval, retention, leaseTtl, takeover, clock, a, pacer, scratch);
    }

    public ReplicatorConfig withPacer(SyncPacer p) {
        return new ReplicatorConfig(database, replicas, prefix, pollInterval, minCheckpointFrames,
                maxCheckpointFrames, idleCheckpoint, maxSegmentBytes, convertToWal, spoolDir, spoolLimitBytes,
                snapshotInterval, retention, leaseTtl, takeover, clock, sqlite, p, scratch);
    }

    public ReplicatorConfig withScratch(ScratchPool s) {
        return new ReplicatorConfig(database, replicas, prefix, pollInterval, minCheckpointFrames,
                maxCheckpointFrames, idleCheckpoint, maxSegmentBytes, convertToWal, spoolDir, spoolLimitBytes,
                snapshotInterval, retention, leaseTtl, takeover, clock, sqlite, pacer, s);
    }
}
