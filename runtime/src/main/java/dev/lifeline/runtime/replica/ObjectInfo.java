package dev.lifeline.runtime.replica;

import java.time.Instant;

/** One object in a replica: its key relative to the replica root, size and last-modified time. */
public record ObjectInfo(String key, long size, Instant modified) {
}
