package dev.lifeline.runtime.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lifeline.runtime.journal.JournalRecord;
import dev.lifeline.runtime.journal.Mutation;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tolerant mode of FileTreeReplayer: records after an image, replayed onto a fuzzy copy of the tree. */
class TolerantReplayTest {

    private static final String R = "/srv/memory";

    @TempDir
    Path dir;

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static List<JournalRecord> records(Mutation... ms) {
        List<JournalRecord> out = new ArrayList<>();
        long i = 100;
        for (Mutation m : ms) {
            out.add(new JournalRecord(i++, Instant.EPOCH, "t", m));
        }
        return out;
    }

    @Test
    void changesToFilesThatAreGoneAreSkippedAndTheRestIsIdempotent() throws IOException {
        Path t = dir.resolve("t");
        Files.createDirectories(t.resolve("d"));
        // The image: log already has "line 2" (read after that write), state.json already the renamed temp file.
        Files.write(t.resolve("log.txt"), utf8("line 1\nline 2\n"));
        Files.write(t.resolve("state.json"), utf8("{\"v\":2}"));
        List<JournalRecord> rs = records(
                new Mutation.Write(R + "/log.txt", 7, utf8("line 2\n")),
                new Mutation.Write(R + "/gone.bin", 0, utf8("deleted later")),
                new Mutation.Append(R + "/gone.bin", utf8("x")),
                new Mutation.SetLength(R + "/gone.bin", 100),
                new Mutation.Truncate(R + "/gone.bin", 1),
                new Mutation.Delete(R + "/gone.bin"),
                new Mutation.Rename(R + "/state.json.tmp", R + "/state.json"),
                new Mutation.Mkdir(R + "/d"),
                new Mutation.Delete(R + "/never-was.txt"),
                new Mutation.Create(R + "/new.txt", true),
                new Mutation.Write(R + "/new.txt", 0, utf8("new")));
        FileTreeReplayer tolerant = FileTreeReplayer.tolerant(Path.of(R), t);
        ReplayResult res = tolerant.replay(rs, Long.MAX_VALUE);
        assertTrue(res.exact(), res.toString());
        assertEquals(5, tolerant.tolerated());
        assertFalse(Files.exists(t.resolve("gone.bin")));
        assertArrayEquals(utf8("line 1\nline 2\n"), Files.readAllBytes(t.resolve("log.txt")));
        assertArrayEquals(utf8("{\"v\":2}"), Files.readAllBytes(t.resolve("state.json")));
        assertArrayEquals(utf8("new"), Files.readAllBytes(t.resolve("new.txt")));

        // Again over its own result: the same tree (idempotent).
        FileTreeReplayer.tolerant(Path.of(R), t).replay(rs, Long.MAX_VALUE);
        assertArrayEquals(utf8("line 1\nline 2\n"), Files.readAllBytes(t.resolve("log.txt")));
        assertArrayEquals(utf8("new"), Files.readAllBytes(t.resolve("new.txt")));

        // Strict mode (the default) applies them as they are: the write creates the file.
        Path s = dir.resolve("s");
        ReplayResult strict = new FileTreeReplayer(Path.of(R), s).replay(records(
                new Mutation.Write(R + "/gone.bin", 0, utf8("kept"))), Long.MAX_VALUE);
        assertTrue(strict.exact());
        assertArrayEquals(utf8("kept"), Files.readAllBytes(s.resolve("gone.bin")));
    }

    @Test
    void aFileTruncatedAndRegrownWhileItWasReadComesOutExact() throws IOException {
        byte[] old = new byte[5000];
        java.util.Arrays.fill(old, (byte) 'o');
        byte[] fresh = new byte[3000];
        java.util.Arrays.fill(fresh, (byte) 'n');
        List<JournalRecord> rs = records(
                new Mutation.Truncate(R + "/f.bin", 0),
                new Mutation.Write(R + "/f.bin", 0, fresh),
                new Mutation.SetLength(R + "/f.bin", 3500));
        byte[] expected = new byte[3500];
        System.arraycopy(fresh, 0, expected, 0, 3000);
        // The read saw: all old; old then the new start; the new start then old bytes past it; the final state.
        byte[] torn1 = old.clone();
        System.arraycopy(fresh, 0, torn1, 0, 1000);
        byte[] torn2 = new byte[4000];
        System.arraycopy(fresh, 0, torn2, 0, 3000);
        System.arraycopy(old, 3000, torn2, 3000, 1000);
        int n = 0;
        for (byte[] image : List.of(old, torn1, torn2, expected, new byte[0])) {
            Path t = dir.resolve("t" + n++);
            Files.createDirectories(t);
            Files.write(t.resolve("f.bin"), image);
            ReplayResult res = FileTreeReplayer.tolerant(Path.of(R), t).replay(rs, Long.MAX_VALUE);
            assertTrue(res.exact(), res.toString());
            assertArrayEquals(expected, Files.readAllBytes(t.resolve("f.bin")), "image " + (n - 1));
        }
    }

    @Test
    void anAppendWithoutOffsetIsAppliedAndReportedAsInexact() throws IOException {
        Path t = dir.resolve("t");
        Files.createDirectories(t);
        Files.write(t.resolve("log.txt"), utf8("a\n"));
        ReplayResult res = FileTreeReplayer.tolerant(Path.of(R), t).replay(records(
                new Mutation.Append(R + "/log.txt", utf8("b\n"))), Long.MAX_VALUE);
        assertFalse(res.exact());
        assertTrue(res.problems().get(0).contains("append without an offset"), res.toString());
        assertArrayEquals(utf8("a\nb\n"), Files.readAllBytes(t.resolve("log.txt")));
    }
}
