package dev.lifeline.runtime.replicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lifeline.runtime.format.Lz4;
import dev.lifeline.runtime.format.ReplicaLayout;
import dev.lifeline.runtime.replica.FileReplicaClient;
import dev.lifeline.runtime.restore.RestoreException;
import dev.lifeline.runtime.restore.RestoreOptions;
import dev.lifeline.runtime.restore.RestoreTarget;
import dev.lifeline.runtime.restore.Restorer;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The snapshot part of a restore (decompressed, written and hashed on two threads): a snapshot of
 * many chunks comes back exactly, and a snapshot object swapped for another valid image is refused
 * by its recorded hash with nothing written.
 */
class SnapshotRestoreTest {

    @TempDir
    Path dir;

    private Path replicate(Path db, Path replica, int rowsBefore, int rowsAfter) throws Exception {
        try (TestDb t = new TestDb(db)) {
            t.insert(rowsBefore);
            Replicator r = new Replicator(ReplicatorConfig.defaults(db, new FileReplicaClient(replica)));
            r.open();
            r.syncOnce();
            t.insert(rowsAfter);
            r.syncOnce();
            r.stop(Duration.ofSeconds(5));
        }
        try (Stream<Path> s = Files.walk(replica)) {
            return s.filter(p -> p.toString().endsWith(".snapshot.lz4")).findFirst().orElseThrow();
        }
    }

    private static void restore(Path replica, Path out) throws Exception {
        new Restorer(new FileReplicaClient(replica), new ReplicaLayout(""))
                .restore(new RestoreOptions(out, null, new RestoreTarget.Latest(), false, "full"));
    }

    @Test
    void aSnapshotOfManyChunksRestoresExactly() throws Exception {
        Path db = dir.resolve("big.db");
        Path replica = dir.resolve("replica");
        replicate(db, replica, 6000, 50);
        assertTrue(Files.size(db) > 4 << 20, "the image spans many 64 KiB chunks: " + Files.size(db));
        Path out = dir.resolve("restored.db");
        restore(replica, out);
        assertEquals(TestDb.rows(db), TestDb.rows(out));
        assertEquals("ok", TestDb.integrity(out));
    }

    @Test
    void aSwappedSnapshotIsRefusedByItsHash() throws Exception {
        Path replica = dir.resolve("replica");
        Path snapshot = replicate(dir.resolve("a.db"), replica, 500, 5);
        // Another database's image, a valid LZ4 frame of a valid SQLite file, under the same key.
        Path other = dir.resolve("b.db");
        try (TestDb t = new TestDb(other)) {
            t.insert(400);
            t.exec("PRAGMA wal_checkpoint(TRUNCATE)");
        }
        try (OutputStream o = Lz4.compressingStream(Files.newOutputStream(snapshot))) {
            Files.copy(other, o);
        }
        Path out = dir.resolve("restored.db");
        RestoreException e = assertThrows(RestoreException.class, () -> restore(replica, out));
        assertTrue(e.getMessage().contains("does not match its recorded hash"), e.getMessage());
        assertFalse(Files.exists(out), "nothing written to the output");
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> left = s.filter(p -> p.getFileName().toString().contains("lifeline-restore")).toList();
            assertEquals(List.of(), left, "no temporary file left behind");
        }
    }
}
