package dev.lifeline.runtime.files.ship;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lifeline.runtime.journal.Mutation;
import dev.lifeline.runtime.journal.MutationJournal;
import dev.lifeline.runtime.replica.FileReplicaClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.core.time.SetTimeProvider;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cycle files are deleted only below what every replica holds and images cover (real Chronicle cycles). */
class JournalCleanupTest {

    @TempDir
    Path tmp;

    /** Two days ago's cycle, written with Chronicle's clock set back: delete records in the journal layout. */
    private static void writeOldCycle(Path jdir) {
        MutationJournal.quietChronicle();
        SetTimeProvider clock = new SetTimeProvider(java.time.Instant.now().minus(java.time.Duration.ofDays(2)));
        try (ChronicleQueue q = SingleChronicleQueueBuilder.binary(jdir.toFile()).rollCycle(RollCycles.FAST_DAILY)
                .timeProvider(clock).build(); ExcerptAppender a = q.createAppender()) {
            for (int i = 0; i < 5; i++) {
                try (DocumentContext dc = a.writingDocument()) {
                    Bytes<?> b = dc.wire().bytes();
                    b.writeByte((byte) 1);
                    b.writeByte((byte) 7);
                    b.writeLong(System.currentTimeMillis() * 1_000_000L);
                    b.writeUtf8("t");
                    b.writeUtf8("/w/old-" + i);
                }
            }
        }
    }

    private static long cycleFiles(Path jdir) throws Exception {
        try (Stream<Path> s = Files.list(jdir)) {
            return s.filter(p -> p.getFileName().toString().endsWith("F.cq4")).count();
        }
    }

    @Test
    void cyclesAreKeptUntilShippedAndCovered() throws Exception {
        Path jdir = tmp.resolve("journal");
        String lineage = Lineage.loadOrCreate(jdir);
        writeOldCycle(jdir);
        FileReplicaClient a = new FileReplicaClient(tmp.resolve("a"));
        try (MutationJournal j = MutationJournal.open(jdir)) {
            j.append(new Mutation.Mkdir("/w/new"));
            assertEquals(2, cycleFiles(jdir));
            try (JournalShipper s = new JournalShipper(jdir, lineage, List.of(a), m -> { })) {
                assertTrue(s.flush(Duration.ofSeconds(10)));
                assertEquals(2, cycleFiles(jdir), "shipped but not covered: kept");
                s.coveredIndex(() -> Long.MAX_VALUE);
                j.append(new Mutation.Mkdir("/w/newer"));
                assertTrue(s.flush(Duration.ofSeconds(10)));
                assertEquals(1, cycleFiles(jdir), "shipped and covered: the old cycle is deleted");
                assertEquals(1, s.deletedCycles());
            }
            j.append(new Mutation.Mkdir("/w/after"));
        }
        List<Long> shipped = new java.util.ArrayList<>();
        assertEquals(null, new ShippedJournal(a).readEntries(lineage, Long.MAX_VALUE, e -> shipped.add(e.index()))
                .damage());
        assertEquals(7, shipped.size(), "5 old + 2 new, each once");
    }
}
