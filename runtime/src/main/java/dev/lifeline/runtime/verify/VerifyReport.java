package dev.lifeline.runtime.verify;

import java.time.Instant;
import java.util.List;

/** The outcome of verifying a whole replica. */
public record VerifyReport(String replica, List<Generation> generations, List<String> problems) {

    /** One generation: what verified, the last restorable point, and every problem found. */
    public record Generation(String id, int snapshots, int snapshotsVerified, int segments, int segmentsVerified,
                             long lastGoodTxid, Instant lastGoodTime, String lastGoodPosition,
                             List<Problem> problems) {
        public boolean ok() {
            return problems.isEmpty();
        }
    }

    public record Problem(String object, String message) {
        @Override
        public String toString() {
            return object + ": " + message;
        }
    }

    public boolean ok() {
        return problems.isEmpty() && generations.stream().allMatch(Generation::ok);
    }
}
