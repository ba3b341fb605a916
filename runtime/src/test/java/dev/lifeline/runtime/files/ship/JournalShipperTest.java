package dev.lifeline.runtime.files.ship;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lifeline.runtime.format.Json;
import dev.lifeline.runtime.journal.JournalReader;
import dev.lifeline.runtime.journal.JournalRecord;
import dev.lifeline.runtime.journal.Mutation;
import dev.lifeline.runtime.journal.MutationJournal;
import dev.lifeline.runtime.replica.FileReplicaClient;
import dev.lifeline.runtime.replica.ObjectInfo;
import dev.lifeline.runtime.replica.ReplicaClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalShipperTest {

    @TempDir
    Path tmp;

    private static void appendTurns(MutationJournal j, int from, int to) {
        for (int i = from; i < to; i++) {
            j.append(new Mutation.Append("/w/log.txt", ("turn " + i + "\n").getBytes(StandardCharsets.UTF_8)));
            j.append(new Mutation.Write("/w/state.bin", i, new byte[] {(byte) i}));
            if (i % 7 == 0) {
                j.append(new Mutation.Rename("/w/a.tmp", "/w/a.json"));
            }
        }
    }

    private static List<JournalRecord> local(Path dir) {
        List<JournalRecord> out = new ArrayList<>();
        try (JournalReader r = JournalReader.open(dir)) {
            r.forEach(Long.MAX_VALUE, out::add);
        }
        return out;
    }

    private static List<JournalRecord> shipped(ReplicaClient c, String lineage) throws IOException {
        List<JournalRecord> out = new ArrayList<>();
        ShippedJournal.Result res = new ShippedJournal(c).read(lineage, Long.MAX_VALUE, out::add);
        assertNull(res.damage(), res.damage());
        return out;
    }

    private static void assertSameRecords(List<JournalRecord> a, List<JournalRecord> b) {
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i).index(), b.get(i).index());
            assertEquals(a.get(i).time(), b.get(i).time());
            assertEquals(a.get(i).thread(), b.get(i).thread());
            assertEquals(a.get(i).mutation().toString(), b.get(i).mutation().toString());
        }
    }

    @Test
    void shipsEveryRecordOnceAcrossRestartsWithAnUnbrokenChain() throws Exception {
        Path jdir = tmp.resolve("state/journal");
        String lineage = Lineage.loadOrCreate(jdir);
        assertEquals(lineage, Lineage.loadOrCreate(jdir), "the lineage is kept");
        ReplicaClient a = new FileReplicaClient(tmp.resolve("a"));
        ReplicaClient b = new FileReplicaClient(tmp.resolve("b"));
        try (MutationJournal j = MutationJournal.open(jdir)) {
            JournalShipper s = new JournalShipper(jdir, lineage, List.of(a, b), m -> { });
            j.onAppend(s::wake);
            s.start();
            appendTurns(j, 0, 50);
            assertTrue(s.flush(Duration.ofSeconds(10)), s.status().toString());
            // b is several segments: a second burst after the first was shipped
            appendTurns(j, 50, 120);
            assertTrue(s.flush(Duration.ofSeconds(10)), s.status().toString());
            s.close();
        }
        // A restart (new shipper, same state dir) continues after what the replicas hold.
        try (MutationJournal j = MutationJournal.open(jdir)) {
            appendTurns(j, 120, 200);
            try (JournalShipper s = new JournalShipper(jdir, lineage, List.of(a, b), m -> { })) {
                assertTrue(s.flush(Duration.ofSeconds(10)), s.status().toString());
            }
        }
        List<JournalRecord> want = local(jdir);
        assertTrue(want.size() > 400);
        assertSameRecords(want, shipped(a, lineage));
        assertSameRecords(want, shipped(b, lineage));
        List<JournalSegmentMeta> metas = new ShippedJournal(a).metas(lineage);
        assertTrue(metas.size() >= 3, "one segment per pass at least: " + metas.size());
        assertEquals("", metas.get(0).prevSha256());
        for (int i = 1; i < metas.size(); i++) {
            assertEquals(metas.get(i - 1).sha256(), metas.get(i).prevSha256());
            assertTrue(metas.get(i).firstIndex() > metas.get(i - 1).lastIndex());
        }
        assertEquals(List.of(lineage), new ShippedJournal(a).lineages());
    }

    @Test
    void aBurstBecomesOneSegmentAndSegmentsAreBounded() throws Exception {
        Path jdir = tmp.resolve("journal");
        String lineage = Lineage.loadOrCreate(jdir);
        ReplicaClient a = new FileReplicaClient(tmp.resolve("a"));
        try (MutationJournal j = MutationJournal.open(jdir)) {
            for (int i = 0; i < 40; i++) {
                j.append(new Mutation.Write("/w/big", i * 100_000L, new byte[100_000]));
            }
            // not started: flush runs the pass itself, bounded at 1 MiB of content per segment
            try (JournalShipper s = new JournalShipper(jdir, lineage, List.of(a), Duration.ofMillis(25), 1 << 20,
                    m -> { })) {
                assertTrue(s.flush(Duration.ofSeconds(10)));
            }
        }
        List<JournalSegmentMeta> metas = new ShippedJournal(a).metas(lineage);
        assertEquals(4, metas.size(), "40 records of 100 kB in segments of at most ~1 MiB");
        int total = 0;
        for (JournalSegmentMeta m : metas) {
            assertTrue(m.size() < (1 << 20) + 200_000, "bounded: " + m.size());
            total += m.records();
        }
        assertEquals(40, total);
    }

    @Test
    void aFailingReplicaIsRetriedAndDoesNotHoldUpTheOthers() throws Exception {
        Path jdir = tmp.resolve("journal");
        String lineage = Lineage.loadOrCreate(jdir);
        ReplicaClient a = new FileReplicaClient(tmp.resolve("a"));
        AtomicBoolean down = new AtomicBoolean(true);
        ReplicaClient flaky = new Flaky(new FileReplicaClient(tmp.resolve("b")), down);
        List<String> logs = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (MutationJournal j = MutationJournal.open(jdir);
             JournalShipper s = new JournalShipper(jdir, lineage, List.of(flaky, a), logs::add)) {
            j.onAppend(s::wake);
            s.start();
            appendTurns(j, 0, 30);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (s.status().get(1).shippedIndex() < j.lastIndex() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(j.lastIndex(), s.status().get(1).shippedIndex(), "the working replica is not held up");
            assertNotNull(s.status().get(0).lastError());
            assertTrue(s.status().get(0).lastError().contains("replica b is down"), s.status().toString());
            assertTrue(logs.stream().filter(l -> l.contains("replica b is down")).count() == 1,
                    "logged once: " + logs);
            down.set(false);
            assertTrue(s.flush(Duration.ofSeconds(10)), s.status().toString());
            assertNull(s.status().get(0).lastError());
        }
        assertSameRecords(shipped(a, lineage), shipped(new FileReplicaClient(tmp.resolve("b")), lineage));
    }

    @Test
    void aDamagedSegmentStopsTheReadAtTheLastVerifiedRecord() throws Exception {
        Path jdir = tmp.resolve("journal");
        String lineage = Lineage.loadOrCreate(jdir);
        Path root = tmp.resolve("a");
        ReplicaClient a = new FileReplicaClient(root);
        try (MutationJournal j = MutationJournal.open(jdir)) {
            try (JournalShipper s = new JournalShipper(jdir, lineage, List.of(a), m -> { })) {
                for (int k = 0; k < 3; k++) {
                    appendTurns(j, k * 10, k * 10 + 10);
                    assertTrue(s.flush(Duration.ofSeconds(10)));
                }
            }
        }
        List<JournalSegmentMeta> metas = new ShippedJournal(a).metas(lineage);
        assertEquals(3, metas.size());
        JournalSegmentMeta second = metas.get(1);
        Path seg = root.resolve(JournalLayout.segmentKey(lineage, second.firstIndex(), second.lastIndex()));
        byte[] d = Files.readAllBytes(seg);
        d[d.length / 2] ^= 1;
        seg.toFile().setWritable(true);
        Files.write(seg, d);
        List<JournalRecord> got = new ArrayList<>();
        ShippedJournal.Result res = new ShippedJournal(a).read(lineage, Long.MAX_VALUE, got::add);
        assertNotNull(res.damage());
        assertTrue(res.damage().contains("hashes to"), res.damage());
        assertEquals(metas.get(0).lastIndex(), res.lastIndex());
        assertEquals(metas.get(0).records(), got.size());
    }

    @Test
    void segmentsAreStandardLz4FramesOfIndexedRecords() throws Exception {
        JournalSegment.Builder b = new JournalSegment.Builder();
        b.add(5, new byte[] {1, 2, 3}, 10);
        b.add(9, new byte[0], 11);
        byte[] stored = b.compress(dev.lifeline.runtime.format.Lz4.frameWriter());
        assertEquals(0x04, stored[0]);
        assertEquals(0x22, stored[1]);
        assertEquals(0x4D, stored[2]);
        assertEquals(0x18, stored[3]);
        List<JournalSegment.Entry> e = JournalSegment.decode(stored);
        assertEquals(2, e.size());
        assertEquals(5, e.get(0).index());
        assertArrayEquals(new byte[] {1, 2, 3}, e.get(0).encoded());
        assertEquals(9, e.get(1).index());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> b.add(9, new byte[0], 1));
    }

    /** A replica that refuses writes while {@code down}. */
    private static final class Flaky implements ReplicaClient {
        private final ReplicaClient inner;
        private final AtomicBoolean down;

        Flaky(ReplicaClient inner, AtomicBoolean down) {
            this.inner = inner;
            this.down = down;
        }

        private void check() throws IOException {
            if (down.get()) {
                throw new IOException("replica b is down");
            }
        }

        @Override
        public String describe() {
            return "b";
        }

        @Override
        public List<ObjectInfo> list(String prefix) throws IOException {
            check();
            return inner.list(prefix);
        }

        @Override
        public void putIfAbsent(String key, byte[] data) throws IOException {
            check();
            inner.putIfAbsent(key, data);
        }

        @Override
        public void putIfAbsent(String key, Path source) throws IOException {
            check();
            inner.putIfAbsent(key, source);
        }

        @Override
        public InputStream get(String key) throws IOException {
            check();
            return inner.get(key);
        }

        @Override
        public void delete(String key) throws IOException {
            inner.delete(key);
        }
    }
}
