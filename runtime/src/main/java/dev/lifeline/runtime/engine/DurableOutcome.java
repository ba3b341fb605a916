package dev.lifeline.runtime.engine;

/** How a durable commit's wait for the replicas ended. */
public enum DurableOutcome {
    /** The database is not durable: nothing was waited for. */
    NOT_REQUESTED,
    /** Every frame of the commit is stored in every replica. */
    DURABLE,
    /** The replicas did not confirm within the configured timeout. */
    TIMED_OUT,
    /** The database is not being replicated (starting, failed or stopped); the reason is in its status. */
    NOT_REPLICATING
}
