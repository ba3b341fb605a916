package dev.lifeline.it.bench;

import dev.lifeline.it.ReplicaFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * Watches a directory replica from outside, the same way for every replicator: every 1 ms it
 * looks for the next WAL segment of the run's index ({@code <idx>_<off>.wal.lz4}, whose offset
 * is where the previous one ended), records the moment it appears, and decompresses it to learn
 * where it ends. Every 50 ms it also lists the directory to notice anything unexpected (a new
 * index or generation), which would make the run's figures invalid.
 */
final class SegmentWatcher implements AutoCloseable {

    /** A segment: WAL bytes [offset, end) of the run's index became durable at {@code appearedNanos}. */
    record Seen(long offset, long end, long appearedNanos) {
    }

    private final Path replica;
    private final String generation;
    private final int index;
    private final Path walDir;
    private final List<Seen> seen = new ArrayList<>();
    private final List<String> anomalies = new ArrayList<>();
    private final Thread thread;
    private volatile boolean stopping;
    private volatile long coveredEnd;
    private long expectedNext;
    private final int generationsAtStart;

    /**
     * Starts watching the newest index of the replica's current generation (the one whose newest
     * segment is the most recent), from what is there now.
     */
    SegmentWatcher(Path replica) throws IOException {
        this.replica = replica;
        List<String> gens = ReplicaFiles.generations(replica);
        if (gens.isEmpty()) {
            throw new IOException("no generation in " + replica + " yet");
        }
        generationsAtStart = gens.size();
        String newest = null;
        long newestTime = Long.MIN_VALUE;
        for (String g : gens) {
            for (ReplicaFiles.Segment s : ReplicaFiles.segments(replica, g)) {
                long t = Files.getLastModifiedTime(s.file()).toMillis();
                if (t > newestTime) {
                    newestTime = t;
                    newest = g;
                }
            }
        }
        if (newest == null) {
            throw new IOException("no WAL segment in " + replica + " yet");
        }
        generation = newest;
        List<ReplicaFiles.Segment> segs = ReplicaFiles.segments(replica, generation);
        if (segs.isEmpty()) {
            throw new IOException("no WAL segment in " + replica + " yet");
        }
        index = segs.stream().mapToInt(ReplicaFiles.Segment::index).max().getAsInt();
        walDir = replica.resolve("generations").resolve(generation).resolve("wal");
        long end = 0;
        for (ReplicaFiles.Segment s : segs) {
            if (s.index() == index) {
                long e = s.offset() + ReplicaFiles.decompress(s.file()).length;
                end = Math.max(end, e);
            }
        }
        expectedNext = end;
        coveredEnd = end;
        thread = new Thread(this::run, "segment-watcher");
        thread.setDaemon(true);
        thread.setPriority(Thread.MAX_PRIORITY);
        thread.start();
    }

    int index() {
        return index;
    }

    int generationsAtStart() {
        return generationsAtStart;
    }

    /** The WAL offset up to which segments have appeared. */
    long coveredEnd() {
        return coveredEnd;
    }

    private void run() {
        long lastList = System.nanoTime();
        while (!stopping) {
            Path next = walDir.resolve(String.format("%08x_%08x.wal.lz4", index, expectedNext));
            if (Files.exists(next)) {
                long at = System.nanoTime();
                try {
                    long len = ReplicaFiles.decompress(next).length;
                    synchronized (seen) {
                        seen.add(new Seen(expectedNext, expectedNext + len, at));
                    }
                    expectedNext += len;
                    coveredEnd = expectedNext;
                } catch (IOException e) {
                    synchronized (anomalies) {
                        anomalies.add("cannot read " + next + ": " + e);
                    }
                    LockSupport.parkNanos(1_000_000);
                }
                continue;
            }
            long now = System.nanoTime();
            if (now - lastList > 50_000_000L) {
                lastList = now;
                checkUnexpected();
            }
            LockSupport.parkNanos(1_000_000);
        }
    }

    private void checkUnexpected() {
        List<String> gens = ReplicaFiles.generations(replica);
        if (gens.size() != generationsAtStart) {
            note("the replicator started another generation during the run: " + gens);
        }
        long expected = expectedNext;
        ReplicaFiles.Segment beyond = null;
        for (ReplicaFiles.Segment s : ReplicaFiles.segments(replica, generation)) {
            if (s.index() > index) {
                note("the WAL index changed during the run (segment " + s.file().getFileName() + ")");
            } else if (s.index() == index && s.offset() > expected) {
                beyond = s;
            }
        }
        // Segments are published in order, so one listed past the expected offset means the expected one
        // must exist by now; it may simply have appeared while we listed (the poll loop picks it up next).
        if (beyond != null && !Files.exists(walDir.resolve(String.format("%08x_%08x.wal.lz4", index, expected)))) {
            note("segment " + beyond.file().getFileName() + " does not continue the previous one (expected offset "
                    + expected + ")");
        }
    }

    private void note(String s) {
        synchronized (anomalies) {
            if (!anomalies.contains(s)) {
                anomalies.add(s);
            }
        }
    }

    List<Seen> seen() {
        synchronized (seen) {
            return List.copyOf(seen);
        }
    }

    List<String> anomalies() {
        synchronized (anomalies) {
            return List.copyOf(anomalies);
        }
    }

    @Override
    public void close() throws InterruptedException {
        stopping = true;
        thread.join(5000);
    }
}
