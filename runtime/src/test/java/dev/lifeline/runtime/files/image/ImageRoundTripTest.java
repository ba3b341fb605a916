package dev.lifeline.runtime.files.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lifeline.runtime.format.Lz4;
import dev.lifeline.runtime.journal.MutationJournal;
import dev.lifeline.runtime.replica.FileReplicaClient;
import dev.lifeline.runtime.replica.ObjectInfo;
import dev.lifeline.runtime.replica.ReplicaClient;
import dev.lifeline.runtime.replica.crypto.EncryptingReplicaClient;
import dev.lifeline.runtime.replica.crypto.KeyRing;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageRoundTripTest {

    static final String LINEAGE = "0123456789abcdef";

    @TempDir
    Path dir;

    static Map<String, byte[]> tree(Path root) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) {
                if (!p.equals(root)) {
                    out.put(root.relativize(p).toString(), Files.isDirectory(p) ? null : Files.readAllBytes(p));
                }
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

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** A tree with directories (one empty), empty files, small files and a large one. */
    private Path sampleTree() throws IOException {
        Path root = dir.resolve("memory");
        Files.createDirectories(root.resolve("notes/deep/er"));
        Files.createDirectories(root.resolve("empty-dir"));
        Files.write(root.resolve("notes/a.md"), "hello\n".getBytes(StandardCharsets.UTF_8));
        Files.write(root.resolve("notes/deep/er/b.json"), "{\"v\":1}".getBytes(StandardCharsets.UTF_8));
        Files.write(root.resolve("empty.txt"), new byte[0]);
        Files.write(root.resolve("index.bin"), random(20 << 20, 1));
        Files.write(root.resolve("medium.bin"), random(700_000, 2));
        Files.createDirectories(dir.resolve("state"));
        return root;
    }

    private ImageManifest take(ReplicaClient client, Path root, ChunkStore[] storeOut) throws IOException {
        ChunkStore store = new ChunkStore(client, ChunkNaming.forWriting(client));
        if (storeOut != null) {
            storeOut[0] = store;
        }
        try (MutationJournal j = MutationJournal.open(dir.resolve("journal"))) {
            ImageManifest m = new ImageWriter(store, new ContentChunker(ChunkSizes.DEFAULT),
                    p -> p.startsWith(dir.resolve("journal"))).take(LINEAGE, List.of(root), j);
            ImageWriter.store(client, m);
            return m;
        }
    }

    @Test
    void anImageRestoresByteForByteAndASecondImageOfTheSameTreeUploadsNoChunk() throws IOException {
        Path root = sampleTree();
        ReplicaClient client = new FileReplicaClient(dir.resolve("replica"));
        ChunkStore[] s = new ChunkStore[1];
        ImageManifest first = take(client, root, s);
        assertTrue(s[0].uploadedChunks() >= 20, "chunks " + s[0].uploadedChunks());
        assertEquals(-1, first.journalIndex());

        ImageRestorer restorer = new ImageRestorer(client);
        ImageManifest read = restorer.newestAtOrBefore(LINEAGE, Long.MAX_VALUE).orElseThrow();
        assertEquals(first, read);
        Path target = dir.resolve("restored");
        restorer.restore(read, read.roots().get(0), target);
        assertSameTree(tree(root), tree(target));
        try (Stream<Path> files = Files.walk(target)) {
            assertFalse(files.anyMatch(p -> p.getFileName().toString().endsWith(".lifeline-restore")));
        }

        // Unchanged: nothing uploaded (a new store lists the replica's chunks once).
        ImageManifest second = take(client, root, s);
        assertEquals(0, s[0].uploadedChunks());
        assertEquals(first.roots(), second.roots());

        // One changed byte in the middle of the large file: only its chunk(s) around it.
        byte[] big = Files.readAllBytes(root.resolve("index.bin"));
        big[10 << 20] ^= 0x55;
        Files.write(root.resolve("index.bin"), big);
        take(client, root, s);
        assertTrue(s[0].uploadedChunks() >= 1 && s[0].uploadedChunks() <= 2, "uploaded " + s[0].uploadedChunks());
        assertTrue(s[0].uploadedBytes() <= 2 * ChunkSizes.DEFAULT.max() + 1000);
    }

    @Test
    void entriesThatWouldEscapeTheTargetAreRefusedAndNothingIsWrittenOutside() throws IOException {
        ReplicaClient client = new FileReplicaClient(dir.resolve("replica"));
        ChunkStore store = new ChunkStore(client, ChunkNaming.forWriting(client));
        byte[] evil = "evil".getBytes(StandardCharsets.UTF_8);
        String chunk = store.put(evil, 0, evil.length);
        Path target = dir.resolve("target");
        Path outside = dir.resolve("outside");
        Files.createDirectories(outside);
        Files.createDirectories(target);
        Files.createSymbolicLink(target.resolve("link"), outside);
        for (String path : List.of("../escape.txt", "a/../../escape.txt", "/tmp/abs.txt", "./dot.txt", "a//b.txt",
                "link/through.txt", "", "a\\..\\..\\x")) {
            ImageManifest m = new ImageManifest(1, LINEAGE, 5, java.time.Instant.now(), "sha256",
                    List.of(new ImageManifest.Root("/srv/memory", List.of(
                            new ImageManifest.Entry(path, "file", 4, List.of(chunk))))));
            IOException e = assertThrows(IOException.class,
                    () -> new ImageRestorer(client).restore(m, m.roots().get(0), target), path);
            assertTrue(e.getMessage().contains("refused"), e.getMessage());
        }
        try (Stream<Path> s = Files.list(outside)) {
            assertEquals(0, s.count());
        }
        assertFalse(Files.exists(dir.resolve("escape.txt")));
        assertEquals(List.of("link"), Files.list(target).map(p -> p.getFileName().toString()).toList());
    }

    @Test
    void aDamagedOrSwappedChunkIsDetectedAndTheFileIsNotWritten() throws IOException {
        Path root = sampleTree();
        ReplicaClient client = new FileReplicaClient(dir.resolve("replica"));
        ImageManifest m = take(client, root, null);
        ImageManifest.Entry a = m.roots().get(0).entries().stream().filter(e -> e.path().equals("notes/a.md"))
                .findFirst().orElseThrow();
        Path chunkFile = dir.resolve("replica").resolve(ImageLayout.chunkKey(a.chunks().get(0)));
        // A valid LZ4 frame of other content.
        Files.write(chunkFile, Lz4.compress("HELLO\n".getBytes(StandardCharsets.UTF_8), 0, 6));
        Path target = dir.resolve("restored");
        IOException e = assertThrows(IOException.class, () -> new ImageRestorer(client).restore(m, m.roots().get(0),
                target));
        assertTrue(e.getMessage().contains("damaged"), e.getMessage());
        assertFalse(Files.exists(target.resolve("notes/a.md")));
        // Not LZ4 at all.
        Files.write(chunkFile, new byte[] {1, 2, 3});
        e = assertThrows(IOException.class, () -> new ImageRestorer(client).restore(m, m.roots().get(0), target));
        assertTrue(e.getMessage().contains("damaged"), e.getMessage());
    }

    @Test
    void anEncryptedReplicasChunkNamesRevealNothingAndHoldNoPlaintext() throws Exception {
        Path root = dir.resolve("memory");
        Files.createDirectories(root);
        byte[] secret = ("the agent's secret plan: " + "x".repeat(200)).getBytes(StandardCharsets.UTF_8);
        Files.write(root.resolve("plan.txt"), secret);
        byte[] key = random(32, 9);
        KeyRing keys = KeyRing.fromEnvironment(Map.of(KeyRing.ENV_KEY, Base64.getEncoder().encodeToString(key)))
                .orElseThrow();
        FileReplicaClient plain = new FileReplicaClient(dir.resolve("replica"));
        ReplicaClient enc = new EncryptingReplicaClient(plain, keys);
        ImageManifest m = take(enc, root, null);
        assertEquals("hmac-sha256:" + keys.activeKeyId(), m.chunkNaming());
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret));
        List<ObjectInfo> chunks = plain.list(ImageLayout.CHUNKS);
        assertEquals(1, chunks.size());
        assertFalse(chunks.get(0).key().contains(sha), "the chunk is named by the plain SHA-256 of its content");
        assertNotEquals(sha, m.roots().get(0).entries().get(0).chunks().get(0));
        byte[] stored = plain.getBytes(chunks.get(0).key());
        assertFalse(new String(stored, StandardCharsets.ISO_8859_1).contains("secret plan"));
        assertFalse(new String(stored, StandardCharsets.ISO_8859_1).contains("xxxxxxxx"));
        // The manifest is sealed too (it names files).
        byte[] manifest = plain.getBytes(ImageLayout.imageKey(LINEAGE, m.journalIndex()));
        assertFalse(new String(manifest, StandardCharsets.ISO_8859_1).contains("plan.txt"));

        Path target = dir.resolve("restored");
        ImageManifest read = new ImageRestorer(enc).newestAtOrBefore(LINEAGE, Long.MAX_VALUE).orElseThrow();
        new ImageRestorer(enc).restore(read, read.roots().get(0), target);
        assertArrayEquals(secret, Files.readAllBytes(target.resolve("plan.txt")));
        // Without the key the names cannot be checked: a clear error, not a silent restore.
        IOException e = assertThrows(IOException.class,
                () -> new ImageRestorer(plain).restore(read, read.roots().get(0), dir.resolve("other")));
        assertTrue(e.getMessage().contains("encryption"), e.getMessage());
    }
}
