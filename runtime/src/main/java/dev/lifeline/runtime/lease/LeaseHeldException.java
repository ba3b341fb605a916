package dev.lifeline.runtime.lease;

import java.io.IOException;

/**
 * Another process holds the replica prefix's lease. The message names it (host, pid, database,
 * since, expiry) and says what the operator can do: wait for the lease to expire, or take it over.
 */
public final class LeaseHeldException extends IOException {

    private final transient LeaseRecord holder;

    public LeaseHeldException(String message, LeaseRecord holder) {
        super(message);
        this.holder = holder;
    }

    /** The newest lease object, or null when it could not be read. */
    public LeaseRecord holder() {
        return holder;
    }
}
