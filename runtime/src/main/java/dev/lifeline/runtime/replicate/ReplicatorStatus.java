package dev.lifeline.runtime.replicate;

import dev.lifeline.runtime.ship.ReplicaStatus;
import java.time.Instant;
import java.util.List;

/**
 * A consistent, immutable view of one replicator, for status commands, JMX and tests.
 * {@code replicas} says how far each replica is and why it lags; {@code spoolBytes} is the
 * backlog kept locally for replicas that are behind. {@code durableWaits} counts calls of
 * {@code Replicator.awaitDurable}, {@code durableTimeouts} those that gave up at their timeout.
 */
public record ReplicatorStatus(String database, String replica, String state, String generation, int index,
                               long walOffset, long txid, long segmentsShipped, long bytesShipped,
                               long generationsStarted, long checkpoints, Instant lastShipped,
                               String lastError, Instant lastErrorAt, List<ReplicaStatus> replicas,
                               long spoolBytes, long durableWaits, long durableTimeouts) {

    /** This status with the durability counters as they are now. */
    public ReplicatorStatus withDurableCounters(long waits, long timeouts) {
        return new ReplicatorStatus(database, replica, state, generation, index, walOffset, txid, segmentsShipped,
                bytesShipped, generationsStarted, checkpoints, lastShipped, lastError, lastErrorAt, replicas,
                spoolBytes, waits, timeouts);
    }
}
