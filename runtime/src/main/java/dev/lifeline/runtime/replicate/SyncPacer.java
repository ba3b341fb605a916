package dev.lifeline.runtime.replicate;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How long a replicator waits, at least, between two shipping passes. Shared by the replicators
 * of one engine, it gives the busy databases one budget of passes per second between them: a
 * database busy alone ships every {@code base}, and N databases busy at once ship every
 * {@code N × base} each (at most {@code max}).
 *
 * <p>Why: a pass has a fixed cost (objects created and fsynced in every replica, a JSON
 * document, a WAL scan) on top of the per-byte work, and the host pays for it in CPU and disk
 * time. On the sample app with four busy tenants on two cores (a quick A/B run, not the
 * benchmark), four independent 25 ms pacers halved the host's throughput, and one shared
 * budget (100 ms each) cost it about 30 %. A single busy database keeps the short lag.
 *
 * <p>Thread-safe; passes are reported by the replicators' own threads.
 */
public final class SyncPacer {

    /** A database that started no pass in this long is not busy. */
    private static final long BUSY_WINDOW_NANOS = 1_000_000_000L;

    private final long baseNanos;
    private final long maxNanos;
    private final Map<Object, Long> lastPassStart = new ConcurrentHashMap<>();

    /**
     * @param base the least interval for a database busy alone (zero: no pacing at all)
     * @param max  the interval never grows past this, however many databases are busy
     */
    public SyncPacer(Duration base, Duration max) {
        if (base.isNegative() || max.compareTo(base) < 0) {
            throw new IllegalArgumentException("need 0 <= base <= max, got base " + base + ", max " + max);
        }
        this.baseNanos = base.toNanos();
        this.maxNanos = max.toNanos();
    }

    /** One replicator alone: always {@code interval}. */
    public static SyncPacer fixed(Duration interval) {
        return new SyncPacer(interval, interval);
    }

    public Duration base() {
        return Duration.ofNanos(baseNanos);
    }

    /** The least time from the start of {@code who}'s last pass to its next one, as of now. */
    public long intervalNanos(Object who) {
        if (baseNanos == 0) {
            return 0;
        }
        long now = System.nanoTime();
        int busy = 1; // who itself, about to pass
        for (Map.Entry<Object, Long> e : lastPassStart.entrySet()) {
            if (e.getKey() != who && now - e.getValue() < BUSY_WINDOW_NANOS) {
                busy++;
            }
        }
        return Math.min(maxNanos, baseNanos * busy);
    }

    /** {@code who} starts a pass now. */
    public void passStarted(Object who) {
        if (baseNanos != 0) {
            lastPassStart.put(who, System.nanoTime());
        }
    }

    /** {@code who} has stopped: it no longer counts as busy. */
    public void forget(Object who) {
        lastPassStart.remove(who);
    }

    @Override
    public String toString() {
        return "SyncPacer[base=" + base() + ", max=" + Duration.ofNanos(maxNanos) + ", busy="
                + lastPassStart.size() + "]";
    }
}
