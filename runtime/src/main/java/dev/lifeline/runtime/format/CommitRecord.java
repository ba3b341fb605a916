package dev.lifeline.runtime.format;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;

/**
 * One committed transaction inside a segment: its txid (the count of commits in the generation's
 * lineage), where its commit frame ends in the WAL, the database size after it, and when the
 * replicator saw it commit. Stored as a compact JSON array {@code [txid, endOffset, dbPages,
 * epochNanos]}: a busy segment holds thousands, and restore reads them all.
 */
@JsonFormat(shape = JsonFormat.Shape.ARRAY)
@JsonPropertyOrder({"txid", "endOffset", "dbPages", "epochNanos"})
public record CommitRecord(long txid, long endOffset, int dbPages, long epochNanos) {

    @JsonCreator
    public CommitRecord {
    }

    public CommitRecord(long txid, long endOffset, int dbPages, Instant time) {
        this(txid, endOffset, dbPages, time.getEpochSecond() * 1_000_000_000L + time.getNano());
    }

    @JsonIgnore
    public Instant time() {
        return Instant.ofEpochSecond(Math.floorDiv(epochNanos, 1_000_000_000L),
                Math.floorMod(epochNanos, 1_000_000_000L));
    }
}
