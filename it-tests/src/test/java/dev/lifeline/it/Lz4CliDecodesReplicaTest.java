package dev.lifeline.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lifeline.runtime.replicate.Replicator;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every object of a Lifeline replica is a standard LZ4 frame: the real {@code lz4} CLI decodes
 * each one ({@code lz4 -d -c FILE}) to exactly what Lifeline's own decoder reads, snapshots decode
 * to SQLite database images, and WAL segments to byte-exact WAL frames (the WAL header only at
 * offset 0 of each index), contiguous, page-aligned, each ending on a commit frame.
 */
class Lz4CliDecodesReplicaTest {

    @Test
    void lz4CliDecodesEverySnapshotAndSegment(@TempDir Path dir) throws Exception {
        Path db = dir.resolve("agent.db");
        Path replica = dir.resolve("replica");
        Workload.createSchema(db);
        Replicator rep = new Replicator(Lifeline.config(db, replica).withPollInterval(Duration.ofMillis(10))
                .withCheckpointFrames(50, 200));
        rep.start();
        Lifeline.awaitGeneration(rep, Duration.ofSeconds(30));
        Workload w = new Workload(db, Workload.Options.defaults().threads(2).maxBatch(3).overflowEvery(20).rate(150)).start();
        try {
            w.awaitTransactions(600, Duration.ofSeconds(60));
        } finally {
            w.stop();
        }
        assertTrue(rep.stop(Duration.ofSeconds(60)));

        List<java.nio.file.Path> objects = ReplicaFiles.lz4Objects(replica);
        List<ReplicaFiles.Segment> segs = ReplicaFiles.segments(replica);
        List<ReplicaFiles.Snapshot> snaps = ReplicaFiles.snapshots(replica);
        assertEquals(objects.size(), segs.size() + snaps.size(), "every .lz4 object is a snapshot or a segment");
        assertTrue(segs.stream().map(ReplicaFiles.Segment::index).distinct().count() >= 2,
                "expected more than one WAL index");

        for (ReplicaFiles.Snapshot s : snaps) {
            byte[] cli = Proc.runForBytes(Duration.ofMinutes(2), List.of(Tools.lz4().toString(), "-d", "-c",
                    s.file().toString()));
            assertArrayEquals(ReplicaFiles.decompress(s.file()), cli, "lz4 CLI and Lifeline decode " + s.file() + " differently");
            assertEquals("SQLite format 3\0", new String(cli, 0, 16, StandardCharsets.ISO_8859_1), s.file().toString());
            int pageSize = ((cli[16] & 0xff) << 8 | (cli[17] & 0xff));
            pageSize = pageSize == 1 ? 65536 : pageSize;
            assertEquals(0, cli.length % pageSize, "snapshot is whole pages");
        }

        Map<Integer, Long> nextOffset = new HashMap<>();
        Map<Integer, Integer> frameSizes = new HashMap<>();
        for (ReplicaFiles.Segment s : segs) {
            byte[] cli = Proc.runForBytes(Duration.ofMinutes(2), List.of(Tools.lz4().toString(), "-d", "-c",
                    s.file().toString()));
            assertArrayEquals(ReplicaFiles.decompress(s.file()), cli, "lz4 CLI and Lifeline decode " + s.file() + " differently");
            int frames0 = 0;
            if (s.offset() == 0) {
                int magic = ByteBuffer.wrap(cli, 0, 4).getInt();
                assertTrue(magic == 0x377f0682 || magic == 0x377f0683,
                        "first segment of index " + s.index() + " starts with " + Integer.toHexString(magic)
                                + ", not the WAL magic");
                int pageSize = ByteBuffer.wrap(cli, 8, 4).getInt();
                frameSizes.put(s.index(), 24 + pageSize);
                frames0 = 32;
            } else {
                assertEquals(nextOffset.get(s.index()), s.offset(), "segments of index " + s.index() + " are contiguous");
            }
            int frameSize = frameSizes.get(s.index());
            assertEquals(0, (cli.length - frames0) % frameSize, s.file() + " is whole frames");
            assertTrue(cli.length - frames0 >= frameSize, s.file() + " has at least one frame");
            int lastFrame = cli.length - frameSize;
            int commitSize = ByteBuffer.wrap(cli, lastFrame + 4, 4).getInt();
            assertNotEquals(0, commitSize, s.file() + " must end on a commit frame");
            nextOffset.put(s.index(), s.offset() + cli.length);
        }
        // And the lz4 CLI's own integrity test (frame content checksums) passes on all of them.
        List<String> test = new java.util.ArrayList<>(List.of(Tools.lz4().toString(), "-t", "-m"));
        objects.forEach(p -> test.add(p.toString()));
        Proc.run(Duration.ofMinutes(2), test).requireOk();
    }
}
