package dev.lifeline.runtime.journal;

import java.time.Instant;

/**
 * One record of the mutation journal.
 *
 * @param index    its position in the journal: strictly increasing in append order (a Chronicle
 *                 Queue index: cycle and sequence, so not dense across cycles)
 * @param time     when it was appended (wall clock)
 * @param thread   the name of the host thread that made the change
 * @param mutation the change
 */
public record JournalRecord(long index, Instant time, String thread, Mutation mutation) {
    public JournalRecord {
        if (time == null || thread == null || mutation == null) {
            throw new IllegalArgumentException("time, thread and mutation are required");
        }
    }
}
