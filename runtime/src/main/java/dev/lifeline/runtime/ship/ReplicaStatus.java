package dev.lifeline.runtime.ship;

import java.time.Instant;

/**
 * How far one replica is: the last txid it holds, how many commits it lags the database's
 * replication head, and, while it fails, since when and why.
 */
public record ReplicaStatus(String id, String replica, long storedTxid, long lagTxids, Instant lastStored,
                            Instant failingSince, String lastError) {
}
