package dev.lifeline.runtime.ship;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spool on a real directory, reopened as a restarted replicator would. */
class SegmentSpoolTest {

    @TempDir
    Path dir;

    private static SpoolEntry append(SegmentSpool spool, int n) throws Exception {
        return spool.append("0123456789abcdef", n, "meta-" + n,
                List.of(PendingObject.ofBytes("obj-" + n, ("bytes " + n).getBytes(StandardCharsets.UTF_8))));
    }

    private static List<Long> seqs(List<SpoolEntry> entries) {
        return entries.stream().map(SpoolEntry::seq).toList();
    }

    @Test
    void sequenceNumbersKeepRisingWhenAnEmptiedSpoolIsReopened() throws Exception {
        SegmentSpool first = new SegmentSpool(dir, 1 << 20);
        for (int i = 1; i <= 3; i++) {
            append(first, i);
        }
        first.advance("replica-1", 3);
        first.advance("replica-2", 3);
        first.collect(List.of("replica-1", "replica-2"));
        assertEquals(0, first.bytes(), "every replica has every entry: all collected");

        SegmentSpool again = new SegmentSpool(dir, 1 << 20);
        assertEquals(3, again.lastSeq(), "the high-water mark survives the collection and the reopen");
        SpoolEntry next = append(again, 4);
        assertEquals(4, next.seq(), "a new entry is numbered after everything the cursors have seen");
        assertEquals(List.of(4L), seqs(again.after(again.cursor("replica-2"), 10)), "replica-2 has it to drain");
        again.collect(List.of("replica-1", "replica-2"));
        assertTrue(again.bytes() > 0, "not collected: nobody has stored it yet");
        assertEquals(List.of(4L), seqs(again.after(0, 10)));
    }

    @Test
    void aReplicaTheSpoolCannotBringUpToDateIsAdmittedAtTheMark() throws Exception {
        SegmentSpool spool = new SegmentSpool(dir, 1 << 20);
        append(spool, 1);
        spool.admit("replica-1");
        spool.admit("replica-2");
        assertEquals(0, spool.cursor("replica-2"), "the spool holds everything from its first entry");
        append(spool, 2);
        spool.advance("replica-1", 2);
        spool.advance("replica-2", 1);
        spool.collect(List.of("replica-1", "replica-2"));
        assertEquals(List.of(2L), seqs(spool.after(0, 10)));

        SegmentSpool again = new SegmentSpool(dir, 1 << 20);
        again.admit("replica-1");
        again.admit("replica-2");
        assertEquals(1, again.cursor("replica-2"), "a replica with a backlog keeps its cursor");
        // Added after entry 1 was collected: the spool cannot give it entry 1, so nothing in it.
        again.admit("replica-3");
        assertEquals(2, again.cursor("replica-3"));
        assertEquals(List.of(), again.after(again.cursor("replica-3"), 10));
        again.advance("replica-2", 2);
        again.collect(List.of("replica-1", "replica-2", "replica-3"));
        assertEquals(0, again.bytes());
    }
}
