package dev.lifeline.runtime.restore;

import dev.lifeline.runtime.catalog.SegmentEntry;
import dev.lifeline.runtime.format.Chain;
import dev.lifeline.runtime.format.Lz4;
import dev.lifeline.runtime.replica.ReplicaClient;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Downloads, decompresses and hashes the next few segments in the background while the walker
 * verifies and applies the current one: restores from an object store fetch in parallel, and
 * decompression overlaps page writes on a local one. At most {@code ahead} segments are held.
 */
final class SegmentPrefetcher implements AutoCloseable {

    /** A fetched segment: its bytes and their SHA-256, or why it could not be read. */
    record Fetched(byte[] raw, String sha256, IOException error) {
    }

    private final ReplicaClient client;
    private final List<SegmentEntry> segments;
    private final int ahead;
    private final ExecutorService pool;
    private final Deque<Future<Fetched>> queue = new ArrayDeque<>();
    private int next;

    SegmentPrefetcher(ReplicaClient client, List<SegmentEntry> segments, int threads, int ahead) {
        this.client = client;
        this.segments = segments;
        this.ahead = ahead;
        this.pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "lifeline-restore-fetch");
            t.setDaemon(true);
            return t;
        });
        fill();
    }

    private void fill() {
        while (queue.size() < ahead && next < segments.size()) {
            SegmentEntry s = segments.get(next++);
            queue.add(pool.submit(() -> fetch(s)));
        }
    }

    private Fetched fetch(SegmentEntry s) {
        try (InputStream in = Lz4.decompressingStream(client.get(s.object().key()))) {
            byte[] raw = in.readAllBytes();
            return new Fetched(raw, Chain.sha256Hex(raw, 0, raw.length), null);
        } catch (IOException e) {
            return new Fetched(null, null, e);
        }
    }

    /** The next segment, in order. */
    Fetched take() throws IOException {
        Future<Fetched> f = queue.poll();
        if (f == null) {
            throw new IllegalStateException("no more segments");
        }
        fill();
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while fetching segments", e);
        } catch (ExecutionException e) {
            throw new IOException("fetching a segment failed: " + e.getCause(), e.getCause());
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
