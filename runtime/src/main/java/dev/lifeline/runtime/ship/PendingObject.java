package dev.lifeline.runtime.ship;

import java.nio.file.Path;

/**
 * An object the replicator wants stored: small ones carry their bytes, large ones (snapshots) a
 * temporary file the spool takes over by renaming it.
 */
public record PendingObject(String key, byte[] bytes, Path file) {

    public static PendingObject ofBytes(String key, byte[] bytes) {
        return new PendingObject(key, bytes, null);
    }

    public static PendingObject ofFile(String key, Path file) {
        return new PendingObject(key, null, file);
    }
}
