package dev.lifeline.runtime.format;

import java.time.Instant;

/**
 * One committed transaction inside a segment: its txid (the count of commits in the generation's
 * lineage), where its commit frame ends in the WAL, the database size after it, and when the
 * replicator saw it commit.
 */
public record CommitRecord(long txid, long endOffset, int dbPages, Instant time) {
}
