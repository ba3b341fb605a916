package dev.lifeline.runtime.lease;

import java.time.Duration;
import java.time.Instant;

/**
 * One lease object, {@code lifeline/v1/lease/<16 hex seq>.json}: who held the replica prefix as
 * of sequence number {@code seq}, and until when. Every renewal, takeover and release is a new
 * object with the next sequence number; only the newest one counts. See docs/FORMAT.md.
 *
 * @param holderId  random per lease holder (one process run, one {@link ReplicaLease})
 * @param database  what the holder replicates (for messages)
 * @param since     when this holder first acquired the lease
 * @param renewedAt when this object was written (holder's clock)
 * @param expiresAt until when the holder may write without renewing; equal to {@code renewedAt}
 *                  when the holder released the lease
 */
public record LeaseRecord(int format, String holderId, String host, long pid, String database, Instant since,
                          Instant renewedAt, Instant expiresAt, long seq) {

    public static final int FORMAT = 1;

    /** Written by {@link ReplicaLease#release()}: free at once, whatever the clocks say. */
    public boolean released() {
        return !expiresAt.isAfter(renewedAt);
    }

    /**
     * Whether another process may take the lease at {@code now} (its own clock): released, or
     * expired by more than {@code skew}, the allowance for clocks that disagree.
     */
    public boolean freeAt(Instant now, Duration skew) {
        return released() || expiresAt.plus(skew).isBefore(now);
    }

    /** "host h, pid p, database d, since s, expires e" for messages. */
    public String describeHolder() {
        return "host " + host + ", pid " + pid + ", database " + database + ", holding since " + since
                + (released() ? ", released at " + renewedAt : ", lease expires " + expiresAt);
    }
}
