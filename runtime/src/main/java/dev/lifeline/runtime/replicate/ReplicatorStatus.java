package dev.lifeline.runtime.replicate;

import java.time.Instant;

/** A consistent, immutable view of one replicator, for status commands, JMX and tests. */
public record ReplicatorStatus(String database, String replica, String state, String generation, int index,
                               long walOffset, long txid, long segmentsShipped, long bytesShipped,
                               long generationsStarted, long checkpoints, Instant lastShipped,
                               String lastError, Instant lastErrorAt) {
}
