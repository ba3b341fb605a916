package dev.lifeline.runtime.restore;

import java.time.Instant;

/** The point a restore aims at. */
public sealed interface RestoreTarget {

    record Latest() implements RestoreTarget {
        @Override
        public String toString() {
            return "the latest commit";
        }
    }

    /** The state right after commit {@code txid} of the generation. */
    record Txid(long txid) implements RestoreTarget {
        @Override
        public String toString() {
            return "txid " + txid;
        }
    }

    /** The state after the last commit at or before {@code time}. */
    record Timestamp(Instant time) implements RestoreTarget {
        @Override
        public String toString() {
            return "time " + time;
        }
    }
}
