package dev.lifeline.runtime.restore;

import java.nio.file.Path;
import java.time.Instant;

/**
 * What a restore produced. When {@code stoppedEarly} is true the database is the last verified
 * point before damage in the replica ({@code problem}), earlier than the target.
 */
public record RestoreResult(Path output, String generation, int snapshotIndex, long txid, Instant time,
                            int segmentsApplied, long framesApplied, long bytes, boolean stoppedEarly,
                            String problem) {
}
