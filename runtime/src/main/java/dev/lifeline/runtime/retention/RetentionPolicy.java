package dev.lifeline.runtime.retention;

import java.time.Duration;
import java.util.Objects;

/**
 * How much history a replica keeps.
 *
 * @param window       every point in time within this long before now stays restorable
 * @param minSnapshots the newest this many snapshots of the replica are never deleted, however old
 *                     (at least 1: the newest snapshot is always kept)
 */
public record RetentionPolicy(Duration window, int minSnapshots) {

    public static final Duration DEFAULT_WINDOW = Duration.ofHours(24);

    public RetentionPolicy {
        Objects.requireNonNull(window, "window");
        if (window.isNegative()) {
            throw new IllegalArgumentException("retention window must not be negative: " + window);
        }
        if (minSnapshots < 1) {
            throw new IllegalArgumentException("at least one snapshot must be kept, not " + minSnapshots);
        }
    }

    /** 24 hours, keeping at least the newest snapshot. */
    public static RetentionPolicy defaults() {
        return new RetentionPolicy(DEFAULT_WINDOW, 1);
    }

    public static RetentionPolicy of(Duration window) {
        return new RetentionPolicy(window, 1);
    }
}
