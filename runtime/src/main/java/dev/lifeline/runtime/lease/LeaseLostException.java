package dev.lifeline.runtime.lease;

import java.io.IOException;

/**
 * This process no longer holds the lease, so it must not write to the replica prefix.
 * {@link #takenOver()} tells the two cases apart: another process wrote a newer lease object
 * (stop replicating; the operator moved the replica elsewhere), or our own lease merely expired
 * because renewals failed (no one else has it yet: {@link ReplicaLease#renew()} may win it back).
 */
public final class LeaseLostException extends IOException {

    private final transient LeaseRecord newer;
    private final boolean takenOver;

    public LeaseLostException(String message, LeaseRecord newer, boolean takenOver) {
        super(message);
        this.newer = newer;
        this.takenOver = takenOver;
    }

    /** The other holder's lease object, or null when ours merely expired or the objects were removed. */
    public LeaseRecord newer() {
        return newer;
    }

    /** True when another process now holds the lease (or the lease objects were removed). */
    public boolean takenOver() {
        return takenOver;
    }
}
