package dev.lifeline.runtime.journal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * The mutation journal: every change to a watched file, in the order the host made it, appended to
 * a Chronicle Queue (by default {@code <state-dir>/journal}). Records are written to memory-mapped
 * files, so they survive the JVM's death (a crash or {@code kill -9}) though not the machine's
 * before the operating system has written them back; cycles roll daily.
 *
 * <p>Thread-safe: appends are serialized by this object (one appender), so the journal's index
 * order is the order of the {@code append} calls. Chronicle needs, on JDK 17+, {@code
 * --add-opens java.base/java.lang.reflect} and {@code --add-exports java.base/sun.nio.ch} and
 * {@code java.base/jdk.internal.ref} for the class loader holding it (the agent grants these itself,
 * see {@code dev.lifeline.agent.inst.files.ModuleAccess}); {@link #open} sets
 * {@code chronicle.analytics.disable} and {@code chronicle.announcer.disable} unless already set.
 */
public final class MutationJournal implements AutoCloseable {

    /** Data of one write beyond this is split over several consecutive write records. */
    public static final int MAX_CHUNK = 1 << 20;

    private final Path dir;
    private final ChronicleQueue queue;
    private final ExcerptAppender appender;
    private boolean closed;
    private long appended;
    /** Told after each append (the shipper's wake-up); must be cheap and must not throw. */
    private volatile Runnable appendListener = () -> { };

    private MutationJournal(Path dir, ChronicleQueue queue) {
        this.dir = dir;
        this.queue = queue;
        this.appender = queue.createAppender();
        // Host threads take turns under this object's lock; Chronicle's own owner-thread check would refuse them.
        appender.singleThreadedCheckDisabled(true);
    }

    /** Opens (creating if needed) the journal in {@code dir}. */
    public static MutationJournal open(Path dir) {
        quietChronicle();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the journal directory " + dir, e);
        }
        try {
            ChronicleQueue q = SingleChronicleQueueBuilder.binary(dir.toFile()).rollCycle(RollCycles.FAST_DAILY).build();
            return new MutationJournal(dir, q);
        } catch (RuntimeException | LinkageError e) {
            throw new JournalException("cannot open the journal in " + dir + ": " + e, e);
        }
    }

    /**
     * Turns off Chronicle's usage analytics (which would try to reach the network) and its
     * start-up announcement, unless the host set these properties itself; must run before any
     * Chronicle class initializes.
     */
    public static void quietChronicle() {
        for (String p : new String[] {"chronicle.analytics.disable", "chronicle.announcer.disable"}) {
            if (System.getProperty(p) == null) {
                System.setProperty(p, "true");
            }
        }
    }

    public Path dir() {
        return dir;
    }

    /** Appends {@code m} on behalf of the current thread; returns its index. */
    public synchronized long append(Mutation m) {
        if (m instanceof Mutation.Write w && w.length() > MAX_CHUNK) {
            byte[] d = w.data();
            return appendWrite(w.path(), w.offset(), d, 0, d.length);
        }
        ensureOpen();
        String thread = Thread.currentThread().getName();
        long now = nowNanos();
        try (DocumentContext dc = appender.writingDocument()) {
            JournalCodec.encode(dc.wire().bytes(), thread, now, m);
        }
        appended++;
        appendListener.run();
        return appender.lastIndexAppended();
    }

    /**
     * Appends the write of {@code len} bytes of {@code data} from {@code off}, at {@code offset} of
     * {@code path}, without copying them first; a write larger than {@link #MAX_CHUNK} becomes
     * several consecutive records. Returns the index of the last.
     */
    public synchronized long appendWrite(String path, long offset, byte[] data, int off, int len) {
        ensureOpen();
        if (off < 0 || len < 0 || off + len > data.length || offset < 0) {
            throw new IllegalArgumentException("bad range: offset " + offset + ", " + off + "+" + len + " of "
                    + data.length);
        }
        String thread = Thread.currentThread().getName();
        long now = nowNanos();
        int done = 0;
        do {
            int n = Math.min(MAX_CHUNK, len - done);
            try (DocumentContext dc = appender.writingDocument()) {
                Bytes<?> b = dc.wire().bytes();
                JournalCodec.writeData(b, thread, now, path, offset + done, data, off + done, n);
            }
            appended++;
            done += n;
        } while (done < len);
        appendListener.run();
        return appender.lastIndexAppended();
    }

    /** Sets what is told after each append (null: nothing): a cheap signal such as the shipper's wake-up. */
    public void onAppend(Runnable listener) {
        this.appendListener = listener == null ? () -> { } : listener;
    }

    /** The index of the last record in the journal (written by anyone), or -1 when it is empty. */
    public long lastIndex() {
        long i = queue.lastIndex();
        return i == Long.MIN_VALUE ? -1 : i;
    }

    /** Records appended through this object since it was opened. */
    public synchronized long appended() {
        return appended;
    }

    /** A reader over this journal, from its first record. Close it when done. */
    public JournalReader reader() {
        return new JournalReader(queue, false);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            appender.close();
        } finally {
            queue.close();
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new JournalException("the journal in " + dir + " is closed");
        }
    }

    private static long nowNanos() {
        Instant t = Instant.now();
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }
}
