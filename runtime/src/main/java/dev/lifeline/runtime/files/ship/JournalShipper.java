package dev.lifeline.runtime.files.ship;

import dev.lifeline.runtime.format.Chain;
import dev.lifeline.runtime.format.Json;
import dev.lifeline.runtime.format.Lz4;
import dev.lifeline.runtime.format.Lz4FrameWriter;
import dev.lifeline.runtime.journal.JournalException;
import dev.lifeline.runtime.journal.JournalRecords;
import dev.lifeline.runtime.journal.MutationJournal;
import dev.lifeline.runtime.replica.ObjectInfo;
import dev.lifeline.runtime.replica.ReplicaClient;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * Ships the local mutation journal to replicas in segments (see FORMAT.md, "journal segments").
 *
 * <p>One thread. It sleeps until {@link #wake()} (the journal's append signal) or a one-second
 * tick, and passes at most every {@code pace} (25 ms, like the databases' replicators), so a burst
 * of records becomes one segment. Each replica keeps its own position, learnt at start from the
 * newest segment metadata it holds (metadata is written after its segment, so that position is
 * always fully stored): a restart continues after it, with no gap and no duplicate. A replica
 * that fails is retried with backoff (100 ms doubling to 30 s) without holding up the others; its
 * last error is in {@link #status()} and logged once per distinct message.
 *
 * <p>Local cleanup: after a pass, Chronicle cycle files strictly older than the cycle holding the
 * lowest index that every replica holds and that {@code coveredIndex} (base images) covers are
 * deleted. {@code coveredIndex} answers -1 by default: nothing is covered, every cycle is kept.
 */
public final class JournalShipper implements AutoCloseable {

    /** Shipping state of one replica, for status. */
    public record ReplicaState(String replica, long shippedIndex, long segments, long failures, String lastError) {
    }

    public static final Duration PACE = Duration.ofMillis(25);
    public static final int MAX_SEGMENT_BYTES = 4 << 20;
    private static final long TICK_NANOS = 1_000_000_000L;
    private static final long BACKOFF_MIN = 100_000_000L;
    private static final long BACKOFF_MAX = 30_000_000_000L;

    private final Path journalDir;
    private final String lineage;
    private final ChronicleQueue queue;
    private final List<Target> targets = new ArrayList<>();
    private final Lz4FrameWriter lz4 = Lz4.frameWriter();
    private final JournalSegment.Builder segment = new JournalSegment.Builder();
    private final Consumer<String> log;
    private final long paceNanos;
    private final int maxSegmentBytes;
    private volatile LongSupplier coveredIndex = () -> -1;
    private final Object signal = new Object();
    private boolean woken;
    private volatile boolean stopping;
    private Thread thread;
    private long deletedCycles;

    public JournalShipper(Path journalDir, String lineage, List<ReplicaClient> replicas, Duration pace,
                          int maxSegmentBytes, Consumer<String> log) {
        if (replicas.isEmpty()) {
            throw new IllegalArgumentException("no replica to ship the journal to");
        }
        this.journalDir = journalDir;
        this.lineage = Lineage.check(lineage);
        this.log = log;
        this.paceNanos = pace.toNanos();
        this.maxSegmentBytes = maxSegmentBytes;
        MutationJournal.quietChronicle();
        try {
            Files.createDirectories(journalDir);
            this.queue = SingleChronicleQueueBuilder.binary(journalDir.toFile()).readOnly(true).build();
        } catch (IOException | RuntimeException | LinkageError e) {
            throw new JournalException("cannot open the journal in " + journalDir + " for shipping: " + e, e);
        }
        for (ReplicaClient r : replicas) {
            targets.add(new Target(r));
        }
    }

    public JournalShipper(Path journalDir, String lineage, List<ReplicaClient> replicas, Consumer<String> log) {
        this(journalDir, lineage, replicas, PACE, MAX_SEGMENT_BYTES, log);
    }

    public String lineage() {
        return lineage;
    }

    /** Feeds the highest journal index base images cover (-1: none); cycles are deleted only below it. */
    public void coveredIndex(LongSupplier covered) {
        this.coveredIndex = covered;
    }

    /** Starts the shipping thread. */
    public synchronized JournalShipper start() {
        if (thread == null) {
            thread = new Thread(this::run, "lifeline-journal-shipper");
            thread.setDaemon(true);
            thread.start();
        }
        return this;
    }

    /** Records were appended: ship them at the next pass. Cheap; safe from any thread. */
    public void wake() {
        synchronized (signal) {
            if (!woken) {
                woken = true;
                signal.notifyAll();
            }
        }
    }

    /**
     * Ships what the journal holds now to every replica that works, waiting at most {@code timeout};
     * returns whether every replica holds it. Runs the passes itself when the thread is not started.
     */
    public boolean flush(Duration timeout) {
        long target = lastIndex();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (thread == null) {
                pass(true);
            } else {
                wake();
            }
            if (minShipped() >= target) {
                return true;
            }
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    /** The lowest index every replica holds (-1 when some replica holds nothing of this lineage). */
    public long minShipped() {
        long m = Long.MAX_VALUE;
        for (Target t : targets) {
            m = Math.min(m, t.shipped);
        }
        return m;
    }

    public List<ReplicaState> status() {
        List<ReplicaState> out = new ArrayList<>();
        for (Target t : targets) {
            out.add(new ReplicaState(t.client.describe(), t.shipped, t.segments, t.failures, t.lastError));
        }
        return out;
    }

    /** Cycle files deleted so far. */
    public long deletedCycles() {
        return deletedCycles;
    }

    private long lastIndex() {
        long i = queue.lastIndex();
        return i == Long.MIN_VALUE ? -1 : i;
    }

    private void run() {
        long lastPass = System.nanoTime() - paceNanos;
        while (!stopping) {
            synchronized (signal) {
                if (!woken) {
                    try {
                        signal.wait(TICK_NANOS / 1_000_000);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                woken = false;
            }
            long wait = lastPass + paceNanos - System.nanoTime();
            if (wait > 0) {
                try {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                } catch (InterruptedException e) {
                    return;
                }
            }
            lastPass = System.nanoTime();
            try {
                pass(false);
            } catch (RuntimeException | LinkageError e) {
                // Never let the thread die: the host keeps running and a later pass may succeed.
                logOnce(null, "journal shipping pass failed: " + e);
            }
        }
    }

    /** One pass: each replica not backing off gets the records it lacks, a segment at a time. */
    synchronized void pass(boolean ignoreBackoff) {
        long now = System.nanoTime();
        for (Target t : targets) {
            if (!ignoreBackoff && t.retryAt != 0 && now - t.retryAt < 0) {
                continue;
            }
            try {
                t.shipAvailable();
                t.retryAt = 0;
                t.backoff = 0;
                if (t.lastError != null) {
                    log.accept("journal shipping to " + t.client.describe() + " works again (at index "
                            + Long.toHexString(t.shipped) + ")");
                    t.lastError = null;
                }
            } catch (IOException | RuntimeException e) {
                t.failures++;
                t.backoff = t.backoff == 0 ? BACKOFF_MIN : Math.min(BACKOFF_MAX, t.backoff * 2);
                t.retryAt = System.nanoTime() + t.backoff;
                t.tailer = null; // re-learn the position from the replica on retry
                String msg = e.getMessage() == null ? e.toString() : e.getMessage();
                logOnce(t, "journal shipping to " + t.client.describe() + " failed (retrying in "
                        + t.backoff / 1_000_000 + " ms): " + msg);
            }
        }
        cleanUp();
    }

    private void logOnce(Target t, String msg) {
        if (t == null) {
            log.accept(msg);
            return;
        }
        String key = msg.replaceAll("retrying in \\d+ ms", "");
        if (!key.equals(t.lastLogged)) {
            t.lastLogged = key;
            log.accept(msg);
        }
        t.lastError = msg;
    }

    /** Deletes cycle files wholly below what every replica holds and images cover. */
    private void cleanUp() {
        long safe = Math.min(minShipped(), coveredIndex.getAsLong());
        if (safe < 0) {
            return;
        }
        int safeCycle = queue.rollCycle().toCycle(safe);
        int current = queue.rollCycle().toCycle(Math.max(lastIndex(), 0));
        DateTimeFormatter day = DateTimeFormatter.BASIC_ISO_DATE;
        boolean deleted = false;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(journalDir, "*F.cq4")) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                long cycle;
                try {
                    cycle = LocalDate.parse(n.substring(0, n.length() - "F.cq4".length()), day).toEpochDay();
                } catch (RuntimeException e) {
                    continue;
                }
                if (cycle < safeCycle && cycle < current) {
                    Files.deleteIfExists(p);
                    deletedCycles++;
                    deleted = true;
                }
            }
        } catch (IOException e) {
            log.accept("cannot delete shipped journal cycles in " + journalDir + ": " + e);
        }
        if (deleted) {
            queue.refreshDirectoryListing();
        }
    }

    @Override
    public void close() {
        stopping = true;
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            wake();
            t.interrupt();
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            for (Target x : targets) {
                if (x.tailer != null) {
                    x.tailer.close();
                    x.tailer = null;
                }
            }
            queue.close();
        }
    }

    /** One replica: its position in the journal and in the chain. */
    private final class Target {
        final ReplicaClient client;
        ExcerptTailer tailer;
        long shipped = -1;
        String prevSha = "";
        long segments;
        long failures;
        long retryAt;
        long backoff;
        volatile String lastError;
        String lastLogged;

        Target(ReplicaClient client) {
            this.client = client;
        }

        /** Learns the position from the newest segment metadata the replica holds. */
        void resume() throws IOException {
            String newest = null;
            for (ObjectInfo o : client.list(JournalLayout.journalPrefix(lineage))) {
                if (o.key().endsWith(".json")) {
                    newest = o.key();
                }
            }
            shipped = -1;
            prevSha = "";
            if (newest != null) {
                JournalSegmentMeta m = Json.read(client.getBytes(newest), JournalSegmentMeta.class);
                shipped = m.lastIndex();
                prevSha = m.sha256();
            }
            tailer = queue.createTailer();
            if (shipped >= 0) {
                if (tailer.moveToIndex(shipped)) {
                    try (DocumentContext dc = tailer.readingDocument()) {
                        // skip the record the replica already holds
                    }
                } else {
                    tailer.toStart();
                }
            }
        }

        void shipAvailable() throws IOException {
            if (tailer == null) {
                resume();
            }
            while (true) {
                segment.clear();
                long mark = tailer.index();
                while (segment.size() < maxSegmentBytes) {
                    try (DocumentContext dc = tailer.readingDocument()) {
                        if (!dc.isPresent()) {
                            break;
                        }
                        if (!dc.isData()) {
                            continue;
                        }
                        long index = dc.index();
                        if (index <= shipped) {
                            continue;
                        }
                        net.openhft.chronicle.bytes.Bytes<?> b = dc.wire().bytes();
                        byte[] rec = new byte[(int) b.readRemaining()];
                        b.read(rec);
                        segment.add(index, rec, JournalRecords.timeNanos(rec));
                    }
                }
                if (segment.count() == 0) {
                    return;
                }
                try {
                    store();
                } catch (IOException | RuntimeException e) {
                    tailer.moveToIndex(mark);
                    throw e;
                }
                if (segment.size() < maxSegmentBytes) {
                    return;
                }
            }
        }

        private void store() throws IOException {
            byte[] data = segment.compress(lz4);
            String sha = Chain.sha256Hex(data, 0, data.length);
            long first = segment.first();
            long last = segment.last();
            JournalSegmentMeta meta = new JournalSegmentMeta(JournalSegmentMeta.FORMAT, lineage, first, last,
                    instant(segment.firstTime()), instant(segment.lastTime()), segment.count(), data.length,
                    segment.size(), sha, prevSha);
            // Data before its metadata: a metadata object always names a segment that is stored.
            client.putIfAbsent(JournalLayout.segmentKey(lineage, first, last), data);
            client.putIfAbsent(JournalLayout.metaKey(lineage, first, last), Json.write(meta));
            shipped = last;
            prevSha = sha;
            segments++;
        }
    }

    static Instant instant(long nanos) {
        return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
    }
}
