package dev.lifeline.runtime.engine;

import java.time.Instant;
import java.util.List;

/** The whole engine: its replicas (redacted) and every database it protects. */
public record EngineStatus(Instant startedAt, String state, List<String> replicas, List<DatabaseStatus> databases) {
}
