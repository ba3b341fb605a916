package dev.lifeline.runtime.files.image;

import static dev.lifeline.runtime.files.image.ImageRoundTripTest.assertSameTree;
import static dev.lifeline.runtime.files.image.ImageRoundTripTest.tree;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lifeline.runtime.files.FileTreeReplayer;
import dev.lifeline.runtime.files.ReplayResult;
import dev.lifeline.runtime.journal.JournalReader;
import dev.lifeline.runtime.journal.Mutation;
import dev.lifeline.runtime.journal.MutationJournal;
import dev.lifeline.runtime.replica.FileReplicaClient;
import dev.lifeline.runtime.replica.ReplicaClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An image taken while "the host" changes the tree during the walk, then restored as image +
 * tolerant replay of the journal after the image's index: the result is the tree as it is at the
 * end, byte for byte. The host here does real file operations and journals each after it returns,
 * as the agent does; its changes are made from inside the walk (when the walk enters the second
 * top-level directory), so they land between reads whatever order the file system lists entries in.
 */
class FuzzyImageTest {

    @TempDir
    Path dir;

    /** Real file changes, each journaled after it happened (the agent appends at the operation's exit). */
    record Host(MutationJournal j) {
        void write(Path p, long off, byte[] d) {
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE, StandardOpenOption.CREATE)) {
                ch.write(ByteBuffer.wrap(d), off);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            j.append(new Mutation.Write(p.toString(), off, d));
        }

        void create(Path p) throws IOException {
            Files.write(p, new byte[0]);
            j.append(new Mutation.Create(p.toString(), true));
        }

        void rename(Path a, Path b) throws IOException {
            Files.move(a, b, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            j.append(new Mutation.Rename(a.toString(), b.toString()));
        }

        void delete(Path p) throws IOException {
            Files.delete(p);
            j.append(new Mutation.Delete(p.toString()));
        }

        void truncate(Path p, long len) throws IOException {
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
                ch.truncate(len);
            }
            j.append(new Mutation.Truncate(p.toString(), len));
        }

        void mkdir(Path p) throws IOException {
            Files.createDirectory(p);
            j.append(new Mutation.Mkdir(p.toString()));
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void anImageTakenWhileTheHostWritesRestoresToTheFinalTreeWithTheJournal() throws IOException {
        Path root = dir.resolve("memory");
        Path a = root.resolve("a");
        Path b = root.resolve("b");
        try (MutationJournal j = MutationJournal.open(dir.resolve("journal"))) {
            Host host = new Host(j);
            // Before the image, journaled like everything else.
            Files.createDirectories(root);
            host.mkdir(a);
            host.mkdir(b);
            for (Path d : List.of(a, b)) {
                host.create(d.resolve("state.json"));
                host.write(d.resolve("state.json"), 0, utf8("{\"v\":1}"));
                host.create(d.resolve("moving.txt"));
                host.write(d.resolve("moving.txt"), 0, utf8("I move to the other directory"));
                host.create(d.resolve("doomed.txt"));
                host.write(d.resolve("doomed.txt"), 0, utf8("deleted during the walk"));
                host.create(d.resolve("log.txt"));
                host.write(d.resolve("log.txt"), 0, utf8("line 1\n"));
                host.create(d.resolve("big.bin"));
                host.write(d.resolve("big.bin"), 0, random(3 << 20, d.hashCode()));
                // A temporary file that existed before the image and is renamed over state during the walk.
                host.create(d.resolve("pending.tmp"));
                host.write(d.resolve("pending.tmp"), 0, utf8("{\"v\":\"pending\"}"));
            }

            AtomicInteger topDirs = new AtomicInteger();
            ReplicaClient client = new FileReplicaClient(dir.resolve("replica"));
            ImageWriter writer = new ImageWriter(new ChunkStore(client, ChunkNaming.forWriting(client)),
                    new ContentChunker(ChunkSizes.DEFAULT), p -> {
                        // Called as the walk enters each directory (and for each file).
                        if (p.getParent() != null && p.getParent().equals(root) && Files.isDirectory(p)
                                && topDirs.incrementAndGet() == 2) {
                            Path walked = p.equals(a) ? b : a;
                            try {
                                changeDuringWalk(host, walked, p);
                            } catch (IOException e) {
                                throw new UncheckedIOException(e);
                            }
                        }
                        return false;
                    });
            ImageManifest m = writer.take(ImageRoundTripTest.LINEAGE, List.of(root), j);
            assertEquals(2, topDirs.get());
            assertTrue(j.lastIndex() > m.journalIndex());
            // After the image too.
            host.write(a.resolve("log.txt"), Files.size(a.resolve("log.txt")), utf8("after the image\n"));
            assertTrue(ImageWriter.store(client, m));

            Path target = dir.resolve("restored");
            ImageManifest read = new ImageRestorer(client).newestAtOrBefore(m.lineage(), j.lastIndex()).orElseThrow();
            new ImageRestorer(client).restore(read, read.roots().get(0), target);
            FileTreeReplayer replayer = FileTreeReplayer.tolerant(root, target);
            ReplayResult res;
            try (JournalReader reader = j.reader().from(read.journalIndex() + 1)) {
                res = replayer.replay(reader, Long.MAX_VALUE);
            }
            assertTrue(res.exact(), res.toString());
            assertSameTree(tree(root), tree(target));

            // The same records replayed strictly onto the image would not give the final tree
            // (the journal after the image is not enough alone: the image is needed).
            Path journalOnly = dir.resolve("journal-only");
            try (JournalReader reader = j.reader().from(read.journalIndex() + 1)) {
                new FileTreeReplayer(root, journalOnly).replay(reader, Long.MAX_VALUE);
            }
            assertFalse(tree(root).keySet().equals(tree(journalOnly).keySet()));
        }
    }

    /** {@code walked}: the directory the walk has read; {@code next}: the one it is entering. */
    private static void changeDuringWalk(Host host, Path walked, Path next) throws IOException {
        // Renamed from the directory not yet walked into the one already walked.
        host.rename(next.resolve("moving.txt"), walked.resolve("moved-in.txt"));
        // Write-temp-then-rename over a file already read; and a temp file from before the image.
        host.create(walked.resolve("state.json.tmp"));
        host.write(walked.resolve("state.json.tmp"), 0, utf8("{\"v\":2,\"longer\":true}"));
        host.rename(walked.resolve("state.json.tmp"), walked.resolve("state.json"));
        host.rename(next.resolve("pending.tmp"), next.resolve("state.json"));
        host.rename(walked.resolve("pending.tmp"), next.resolve("from-other.json"));
        // Deleted: one already read, one not yet.
        host.delete(walked.resolve("doomed.txt"));
        host.delete(next.resolve("doomed.txt"));
        // Appends at offsets, to a file read and one not yet read.
        host.write(walked.resolve("log.txt"), 7, utf8("line 2\n"));
        host.write(next.resolve("log.txt"), 7, utf8("line 2\n"));
        // Truncated and regrown (read before, and after).
        for (Path big : List.of(walked.resolve("big.bin"), next.resolve("big.bin"))) {
            host.truncate(big, 1000);
            host.write(big, 1000, random(2 << 20, 99));
        }
        // A new directory with a file.
        host.mkdir(walked.resolve("new"));
        host.create(walked.resolve("new/n.txt"));
        host.write(walked.resolve("new/n.txt"), 0, utf8("new"));
    }
}
