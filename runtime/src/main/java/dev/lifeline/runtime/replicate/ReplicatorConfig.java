package dev.lifeline.runtime.replicate;

import dev.lifeline.runtime.replica.ReplicaClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * How one database is replicated.
 *
 * @param pollInterval        how often the WAL is looked at when nothing wakes the replicator
 * @param minCheckpointFrames shipped frames after which a PASSIVE checkpoint runs
 * @param maxCheckpointFrames shipped frames after which a RESTART checkpoint restarts the WAL
 * @param idleCheckpoint      quiet time after which shipped frames are checkpointed anyway
 * @param maxSegmentBytes     a segment ends at the first commit past this many bytes
 * @param convertToWal        whether a database in rollback-journal mode may be switched to WAL
 */
public record ReplicatorConfig(Path database, ReplicaClient replica, String prefix, Duration pollInterval,
                               long minCheckpointFrames, long maxCheckpointFrames, Duration idleCheckpoint,
                               long maxSegmentBytes, boolean convertToWal, Clock clock) {

    public static ReplicatorConfig defaults(Path database, ReplicaClient replica) {
        return new ReplicatorConfig(database, replica, "", Duration.ofMillis(10), 1000, 10_000,
                Duration.ofSeconds(5), 16L << 20, false, Clock.systemUTC());
    }

    public ReplicatorConfig withPrefix(String p) {
        return new ReplicatorConfig(database, replica, p, pollInterval, minCheckpointFrames, maxCheckpointFrames,
                idleCheckpoint, maxSegmentBytes, convertToWal, clock);
    }

    public ReplicatorConfig withPollInterval(Duration d) {
        return new ReplicatorConfig(database, replica, prefix, d, minCheckpointFrames, maxCheckpointFrames,
                idleCheckpoint, maxSegmentBytes, convertToWal, clock);
    }

    public ReplicatorConfig withCheckpointFrames(long min, long max) {
        return new ReplicatorConfig(database, replica, prefix, pollInterval, min, max, idleCheckpoint,
                maxSegmentBytes, convertToWal, clock);
    }

    public ReplicatorConfig withIdleCheckpoint(Duration d) {
        return new ReplicatorConfig(database, replica, prefix, pollInterval, minCheckpointFrames,
                maxCheckpointFrames, d, maxSegmentBytes, convertToWal, clock);
    }

    public ReplicatorConfig withMaxSegmentBytes(long n) {
        return new ReplicatorConfig(database, replica, prefix, pollInterval, minCheckpointFrames,
                maxCheckpointFrames, idleCheckpoint, n, convertToWal, clock);
    }

    public ReplicatorConfig withConvertToWal(boolean b) {
        return new ReplicatorConfig(database, replica, prefix, pollInterval, minCheckpointFrames,
                maxCheckpointFrames, idleCheckpoint, maxSegmentBytes, b, clock);
    }
}
