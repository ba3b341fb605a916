package dev.lifeline.runtime.replicate;

/**
 * What {@code PRAGMA wal_checkpoint} reported: whether it was blocked, the WAL's frame count when
 * it ran, and how many frames it copied into the database.
 */
public record CheckpointResult(String mode, boolean busy, long logFrames, long checkpointedFrames) {

    public boolean complete() {
        return !busy && logFrames >= 0 && checkpointedFrames == logFrames;
    }
}
