package dev.lifeline.runtime.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lifeline.runtime.journal.JournalReader;
import dev.lifeline.runtime.journal.Mutation;
import dev.lifeline.runtime.journal.MutationJournal;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTreeReplayerTest {

    @TempDir
    Path dir;

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Every file and directory under {@code root}, relative, with the bytes of files (null for directories). */
    static Map<String, byte[]> tree(Path root) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) {
                if (p.equals(root)) {
                    continue;
                }
                out.put(root.relativize(p).toString(), Files.isDirectory(p) ? null : Files.readAllBytes(p));
            }
        }
        return out;
    }

    static void assertSameTree(Map<String, byte[]> expected, Map<String, byte[]> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        for (String k : expected.keySet()) {
            assertArrayEquals(expected.get(k), actual.get(k), k);
        }
    }

    @Test
    void everyKindOfMutationReplaysAndIntermediateIndexesGiveIntermediateTrees() throws IOException {
        String r = "/srv/agent/memory";
        List<Mutation> ms = List.of(
                new Mutation.Mkdir(r + "/notes"),
                new Mutation.Create(r + "/notes/state.json.tmp", true),
                new Mutation.Write(r + "/notes/state.json.tmp", 0, utf8("{\"v\":1}")),
                new Mutation.Force(r + "/notes/state.json.tmp", true),
                new Mutation.Rename(r + "/notes/state.json.tmp", r + "/notes/state.json"),
                new Mutation.Create(r + "/log.txt", false),
                new Mutation.Write(r + "/log.txt", 0, utf8("one\n")),
                new Mutation.Append(r + "/log.txt", utf8("two\n")),
                new Mutation.Write(r + "/index.bin", 8, new byte[] {1, 2, 3, 4}),
                new Mutation.SetLength(r + "/index.bin", 64),
                new Mutation.Write(r + "/index.bin", 0, new byte[] {9}),
                new Mutation.Truncate(r + "/index.bin", 10),
                new Mutation.Truncate(r + "/index.bin", 1000),
                new Mutation.Write("/elsewhere/other.txt", 0, utf8("not ours")),
                new Mutation.Create(r + "/gone.txt", true),
                new Mutation.Delete(r + "/gone.txt"),
                new Mutation.Mkdir(r + "/a"),
                new Mutation.Mkdir(r + "/a/b"),
                new Mutation.Write(r + "/a/b/c.md", 0, utf8("deep")),
                new Mutation.Rename(r + "/a", r + "/moved"),
                new Mutation.Create(r + "/notes/state.json.tmp", true),
                new Mutation.Write(r + "/notes/state.json.tmp", 0, utf8("{\"v\":2,\"longer\":true}")),
                new Mutation.Rename(r + "/notes/state.json.tmp", r + "/notes/state.json"),
                new Mutation.Rename(r + "/log.txt", "/elsewhere/log.txt"));
        List<Long> idx = new ArrayList<>();
        try (MutationJournal j = MutationJournal.open(dir.resolve("journal"))) {
            for (Mutation m : ms) {
                idx.add(j.append(m));
            }
        }

        Path all = dir.resolve("all");
        ReplayResult res;
        try (JournalReader reader = JournalReader.open(dir.resolve("journal"))) {
            res = new FileTreeReplayer(Path.of(r), all).replay(reader, Long.MAX_VALUE);
        }
        assertTrue(res.exact(), res.toString());
        assertEquals(1, res.skipped());
        assertEquals(idx.get(idx.size() - 1), res.lastIndex());
        Map<String, byte[]> t = tree(all);
        byte[] index = new byte[10];
        index[0] = 9;
        System.arraycopy(new byte[] {1, 2, 3, 4}, 0, index, 8, 2);
        Map<String, byte[]> expected = new TreeMap<>();
        expected.put("notes", null);
        expected.put("notes/state.json", utf8("{\"v\":2,\"longer\":true}"));
        expected.put("index.bin", index);
        expected.put("moved", null);
        expected.put("moved/b", null);
        expected.put("moved/b/c.md", utf8("deep"));
        assertSameTree(expected, t);

        // Up to the first rename of the JSON file, and up to the append to the log.
        Path early = dir.resolve("early");
        try (JournalReader reader = JournalReader.open(dir.resolve("journal"))) {
            new FileTreeReplayer(Path.of(r), early).replay(reader, idx.get(7));
        }
        Map<String, byte[]> e = new TreeMap<>();
        e.put("notes", null);
        e.put("notes/state.json", utf8("{\"v\":1}"));
        e.put("log.txt", utf8("one\ntwo\n"));
        assertSameTree(e, tree(early));

        // Continuing from an index onto an earlier tree gives the same as replaying everything.
        try (JournalReader reader = JournalReader.open(dir.resolve("journal")).from(idx.get(8))) {
            new FileTreeReplayer(Path.of(r), early).replay(reader, Long.MAX_VALUE);
        }
        assertSameTree(expected, tree(early));
    }

    @Test
    void pathsThatWouldEscapeTheTargetAreRefused() throws IOException {
        String r = "/srv/root";
        Path outside = dir.resolve("outside");
        Files.createDirectories(outside);
        Path target = dir.resolve("target");
        Files.createDirectories(target);
        Files.createSymbolicLink(target.resolve("link"), outside);
        List<Mutation> ms = List.of(
                new Mutation.Write(r + "/../escape.txt", 0, utf8("x")),
                new Mutation.Write(r + "/a/../../escape2.txt", 0, utf8("x")),
                new Mutation.Write(r + "//abs.txt", 0, utf8("x")),
                new Mutation.Write(r + "/./dot.txt", 0, utf8("x")),
                new Mutation.Write(r + "/link/through-link.txt", 0, utf8("x")),
                new Mutation.Rename(r + "/ok.txt", r + "/link/renamed.txt"),
                new Mutation.Mkdir(r + "/link/dir"),
                new Mutation.Write(r + "/ok.txt", 0, utf8("fine")),
                new Mutation.Rename("/tmp/from-outside.json", r + "/in.json"));
        try (MutationJournal j = MutationJournal.open(dir.resolve("journal"))) {
            ms.forEach(j::append);
        }
        ReplayResult res;
        try (JournalReader reader = JournalReader.open(dir.resolve("journal"))) {
            res = new FileTreeReplayer(Path.of(r), target).replay(reader, Long.MAX_VALUE);
        }
        assertEquals(7, res.refused().size(), res.toString());
        assertEquals(1, res.problems().size(), res.toString());
        assertTrue(res.problems().get(0).contains("moved in from outside"), res.toString());
        assertFalse(res.exact());
        try (Stream<Path> s = Files.list(outside)) {
            assertEquals(0, s.count(), "nothing written through the link");
        }
        assertFalse(Files.exists(dir.resolve("escape.txt")));
        assertFalse(Files.exists(dir.resolve("escape2.txt")));
        assertEquals("fine", Files.readString(target.resolve("ok.txt")));
        assertFalse(Files.exists(target.resolve("in.json")));
    }
}
