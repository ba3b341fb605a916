package dev.lifeline.runtime.journal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MutationJournalTest {

    @TempDir
    Path dir;

    static List<Mutation> everyKind() {
        byte[] big = new byte[5000];
        new Random(1).nextBytes(big);
        return List.of(
                new Mutation.Mkdir("/w/notes"),
                new Mutation.Create("/w/notes/a.json", true),
                new Mutation.Write("/w/notes/a.json", 0, "{\"v\":1}".getBytes(StandardCharsets.UTF_8)),
                new Mutation.Write("/w/bin", 1L << 33, big),
                new Mutation.Append("/w/log.txt", "line é ✓\n".getBytes(StandardCharsets.UTF_8)),
                new Mutation.SetLength("/w/bin", 12345),
                new Mutation.Truncate("/w/bin", 10),
                new Mutation.Create("/w/log.txt", false),
                new Mutation.Rename("/w/notes/a.json.tmp", "/w/notes/a.json"),
                new Mutation.Delete("/w/old"),
                new Mutation.Force("/w/bin", true),
                new Mutation.Force("/w/bin", false),
                new Mutation.Write("/w/empty", 7, new byte[0]));
    }

    @Test
    void everyKindRoundTripsWithIncreasingIndexesTimeAndThread() {
        Instant before = Instant.now();
        List<Long> indexes = new ArrayList<>();
        try (MutationJournal j = MutationJournal.open(dir.resolve("journal"))) {
            for (Mutation m : everyKind()) {
                indexes.add(j.append(m));
            }
            assertEquals(indexes.get(indexes.size() - 1), j.lastIndex());
            assertEquals(everyKind().size(), j.appended());
        }
        for (int i = 1; i < indexes.size(); i++) {
            assertTrue(indexes.get(i) > indexes.get(i - 1), "indexes increase: " + indexes);
        }
        try (JournalReader r = JournalReader.open(dir.resolve("journal"))) {
            List<JournalRecord> got = new ArrayList<>();
            r.forEach(Long.MAX_VALUE, got::add);
            assertEquals(everyKind(), got.stream().map(JournalRecord::mutation).toList());
            assertEquals(indexes, got.stream().map(JournalRecord::index).toList());
            for (JournalRecord rec : got) {
                assertEquals(Thread.currentThread().getName(), rec.thread());
                assertTrue(!rec.time().isBefore(before.minusSeconds(1)) && !rec.time().isAfter(Instant.now()),
                        rec.time().toString());
            }
        }
    }

    @Test
    void readerStartsAtAnIndexAndStopsAtAnother() {
        List<Long> indexes = new ArrayList<>();
        try (MutationJournal j = MutationJournal.open(dir)) {
            for (int i = 0; i < 20; i++) {
                indexes.add(j.append(new Mutation.Mkdir("/w/d" + i)));
            }
            try (JournalReader r = j.reader().from(indexes.get(5))) {
                List<JournalRecord> got = new ArrayList<>();
                r.forEach(indexes.get(9), got::add);
                assertEquals(List.of("/w/d5", "/w/d6", "/w/d7", "/w/d8", "/w/d9"),
                        got.stream().map(x -> x.mutation().path()).toList());
            }
            try (JournalReader r = j.reader().from(Long.MIN_VALUE)) {
                assertEquals("/w/d0", r.next().mutation().path());
            }
            try (JournalReader r = j.reader().from(indexes.get(19) + 1)) {
                assertNull(r.next());
            }
        }
    }

    @Test
    void aLargeWriteIsSplitIntoConsecutiveChunks() {
        byte[] data = new byte[MutationJournal.MAX_CHUNK * 2 + 17];
        new Random(7).nextBytes(data);
        try (MutationJournal j = MutationJournal.open(dir)) {
            j.append(new Mutation.Write("/w/big", 100, data));
            j.appendWrite("/w/big2", 0, data, 3, data.length - 3);
        }
        try (JournalReader r = JournalReader.open(dir)) {
            List<JournalRecord> got = new ArrayList<>();
            r.forEach(Long.MAX_VALUE, got::add);
            assertEquals(6, got.size());
            byte[] re = new byte[data.length];
            long expect = 100;
            for (JournalRecord x : got.subList(0, 3)) {
                Mutation.Write w = (Mutation.Write) x.mutation();
                assertEquals(expect, w.offset());
                System.arraycopy(w.data(), 0, re, (int) (w.offset() - 100), w.length());
                expect += w.length();
            }
            assertArrayEquals(data, re);
            Mutation.Write last = (Mutation.Write) got.get(5).mutation();
            assertEquals(MutationJournal.MAX_CHUNK * 2L, last.offset());
            assertEquals(14, last.length());
        }
    }

    @Test
    void concurrentAppendersKeepEachThreadsOrderAndLoseNothing() throws Exception {
        int threads = 4;
        int each = 2000;
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> ts = new ArrayList<>();
        try (MutationJournal j = MutationJournal.open(dir)) {
            for (int t = 0; t < threads; t++) {
                int id = t;
                Thread th = new Thread(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int i = 0; i < each; i++) {
                        j.appendWrite("/w/t" + id, i, new byte[] {(byte) i}, 0, 1);
                    }
                }, "writer-" + t);
                th.start();
                ts.add(th);
            }
            go.countDown();
            for (Thread th : ts) {
                th.join();
            }
        }
        Map<String, Long> next = new HashMap<>();
        long last = Long.MIN_VALUE;
        try (JournalReader r = JournalReader.open(dir)) {
            for (JournalRecord x = r.next(); x != null; x = r.next()) {
                assertTrue(x.index() > last);
                last = x.index();
                Mutation.Write w = (Mutation.Write) x.mutation();
                assertEquals("writer-" + w.path().substring(4), x.thread());
                long expected = next.getOrDefault(w.path(), 0L);
                assertEquals(expected, w.offset(), "order within " + w.path());
                next.put(w.path(), expected + 1);
            }
        }
        assertEquals(threads, next.size());
        next.values().forEach(v -> assertEquals(each, v));
    }

    @Test
    void reopeningContinuesAfterTheLastIndex() {
        long first;
        try (MutationJournal j = MutationJournal.open(dir)) {
            first = j.append(new Mutation.Delete("/w/a"));
        }
        try (MutationJournal j = MutationJournal.open(dir)) {
            assertEquals(first, j.lastIndex());
            long second = j.append(new Mutation.Delete("/w/b"));
            assertTrue(second > first);
        }
        try (JournalReader r = JournalReader.open(dir)) {
            assertEquals("/w/a", r.next().mutation().path());
            assertEquals("/w/b", r.next().mutation().path());
            assertNull(r.next());
        }
    }

    @Test
    void recordsAreValuesThatCopyTheirBytes() {
        byte[] b = {1, 2, 3};
        Mutation.Write w = new Mutation.Write("/w/x", 0, b);
        b[0] = 9;
        assertEquals(1, w.data()[0]);
        w.data()[1] = 9;
        assertEquals(2, w.data()[1]);
        assertEquals(new Mutation.Write("/w/x", 0, new byte[] {1, 2, 3}), w);
        assertNotEquals(new Mutation.Write("/w/x", 1, new byte[] {1, 2, 3}), w);
        assertThrows(IllegalArgumentException.class, () -> new Mutation.Write("/w/x", -1, b));
        assertThrows(IllegalArgumentException.class, () -> new Mutation.Delete(""));
    }

    @Test
    void aClosedJournalRefusesAppends() {
        MutationJournal j = MutationJournal.open(dir);
        j.close();
        assertThrows(JournalException.class, () -> j.append(new Mutation.Mkdir("/w/x")));
    }
}
