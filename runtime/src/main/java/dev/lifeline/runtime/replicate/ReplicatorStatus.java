package dev.lifeline.runtime.replicate;

import dev.lifeline.runtime.ship.ReplicaStatus;
import java.time.Instant;
import java.util.List;

/**
 * A consistent, immutable view of one replicator, for status commands, JMX and tests.
 * {@code replicas} says how far each replica is and why it lags; {@code spoolBytes} is the
 * backlog kept locally for replicas that are behind.
 */
public record ReplicatorStatus(String database, String replica, String state, String generation, int index,
                               long walOffset, long txid, long segmentsShipped, long bytesShipped,
                               long generationsStarted, long checkpoints, Instant lastShipped,
                               String lastError, Instant lastErrorAt, List<ReplicaStatus> replicas,
                               long spoolBytes) {
}
