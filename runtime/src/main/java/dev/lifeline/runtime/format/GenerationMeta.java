package dev.lifeline.runtime.format;

import java.time.Instant;

/** Why and when a generation started, and what it replicates. */
public record GenerationMeta(int format, String generation, Instant created, String database, String host,
                             long pid, String reason, String genesisChain) {
}
