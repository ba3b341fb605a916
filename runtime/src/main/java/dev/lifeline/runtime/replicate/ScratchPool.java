package dev.lifeline.runtime.replicate;

import dev.lifeline.runtime.format.Lz4;
import dev.lifeline.runtime.format.Lz4FrameWriter;
import java.io.ByteArrayOutputStream;
import java.util.ArrayDeque;

/**
 * The segment-sized work buffers of a shipping pass (the raw segment, the LZ4 work area), lent
 * to a replicator from reading a segment to the end of its compression and shared by the
 * replicators of one engine.
 *
 * <p>Why: kept per replicator, they grew to the largest segment each database ever made and
 * stayed there; a heap dump of the sample app at 10 tenants had 22 MB of them live (10
 * databases × 1–2 MiB each, twice), for passes of which only one or two run at any moment.
 * Lent from here, what stays live is bounded by the passes that run at once, and a busy
 * engine still allocates no new buffer per pass. A buffer never given back (a pass that
 * failed half-way) is simply garbage: the pool makes a new one.
 */
public final class ScratchPool {

    private final int keep;
    private final ArrayDeque<Scratch> free = new ArrayDeque<>();

    /** @param keep how many idle sets of buffers stay allocated */
    public ScratchPool(int keep) {
        if (keep < 0) {
            throw new IllegalArgumentException("keep must be >= 0, got " + keep);
        }
        this.keep = keep;
    }

    /** For the replicators of one engine: as many sets as passes can usefully run at once. */
    public static ScratchPool forEngine() {
        return new ScratchPool(Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors())));
    }

    /** A set of buffers, used by one thread until {@link #give} (the most recently used first). */
    synchronized Scratch take() {
        Scratch s = free.pollFirst();
        return s != null ? s : new Scratch();
    }

    synchronized void give(Scratch s) {
        if (free.size() < keep) {
            s.segment.clear();
            free.addFirst(s);
        }
    }

    /** Idle sets held now (for tests). */
    synchronized int idle() {
        return free.size();
    }

    /** One pass's buffers. */
    static final class Scratch {
        final SegmentBuffer segment = new SegmentBuffer();
        final Lz4FrameWriter lz4 = Lz4.frameWriter();
    }

    /** A byte sink whose array is read in place; capacity is kept unless one segment made it huge. */
    static final class SegmentBuffer extends ByteArrayOutputStream {
        private static final int KEEP_AT_MOST = 4 << 20;

        SegmentBuffer() {
            super(64 << 10);
        }

        byte[] array() {
            return buf;
        }

        void clear() {
            if (buf.length > KEEP_AT_MOST) {
                buf = new byte[64 << 10];
            }
            reset();
        }
    }
}
