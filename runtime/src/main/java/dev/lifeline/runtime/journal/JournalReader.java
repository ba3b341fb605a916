package dev.lifeline.runtime.journal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * Reads journal records in index order, from the start or from a given index. Not thread-safe;
 * one per reading thread. A reader opened on a directory ({@link #open}) opens the queue
 * read-only and closes it with itself.
 */
public final class JournalReader implements AutoCloseable {

    private final ChronicleQueue queue;
    private final boolean ownsQueue;
    private final ExcerptTailer tailer;
    private long from = Long.MIN_VALUE;

    JournalReader(ChronicleQueue queue, boolean ownsQueue) {
        this.queue = queue;
        this.ownsQueue = ownsQueue;
        this.tailer = queue.createTailer();
    }

    /** A reader over the journal in {@code dir} (which another process may still be appending to). */
    public static JournalReader open(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new JournalException("no journal at " + dir);
        }
        MutationJournal.quietChronicle();
        try {
            ChronicleQueue q = SingleChronicleQueueBuilder.binary(dir.toFile()).readOnly(true).build();
            return new JournalReader(q, true);
        } catch (RuntimeException | LinkageError e) {
            throw new JournalException("cannot open the journal in " + dir + ": " + e, e);
        }
    }

    /** Positions the reader so that the next record is the first with an index at or after {@code index}. */
    public JournalReader from(long index) {
        from = index;
        if (!tailer.moveToIndex(index)) {
            // Not a record's index (before the first, or in a gap between cycles): read from the
            // start and skip what comes before.
            tailer.toStart();
        }
        return this;
    }

    /** The next record, or null when there is none (yet). */
    public JournalRecord next() {
        while (true) {
            try (DocumentContext dc = tailer.readingDocument()) {
                if (!dc.isPresent()) {
                    return null;
                }
                if (!dc.isData()) {
                    continue;
                }
                long index = dc.index();
                if (index < from) {
                    continue;
                }
                return JournalCodec.decode(index, dc.wire().bytes());
            }
        }
    }

    /** Hands every record from the current position up to {@code toIndex} (inclusive) to {@code sink}; returns how many. */
    public long forEach(long toIndex, Consumer<JournalRecord> sink) {
        long n = 0;
        for (JournalRecord r = next(); r != null; r = next()) {
            if (r.index() > toIndex) {
                break;
            }
            sink.accept(r);
            n++;
        }
        return n;
    }

    /** The index of the journal's last record, or -1 when it is empty. */
    public long lastIndex() {
        long i = queue.lastIndex();
        return i == Long.MIN_VALUE ? -1 : i;
    }

    @Override
    public void close() {
        tailer.close();
        if (ownsQueue) {
            queue.close();
        }
    }
}
