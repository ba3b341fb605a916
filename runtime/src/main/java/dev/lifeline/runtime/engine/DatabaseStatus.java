package dev.lifeline.runtime.engine;

import dev.lifeline.runtime.replicate.ReplicatorStatus;
import java.time.Instant;

/**
 * One protected database, as status commands, JMX and logs show it.
 *
 * @param state       starting, replicating, failed (with {@code error}) or stopped
 * @param replicator  the replicator's own status once it runs, else null
 * @param durableWaits commits that waited for the replicas; {@code durableTimeouts} of them timed out
 */
public record DatabaseStatus(String path, String name, String state, boolean durable, String error,
                             Instant errorAt, long commitsSeen, long durableWaits, long durableTimeouts,
                             ReplicatorStatus replicator) {
}
